//! Applying a JSON Patch in place, atomically, from an undo log.
//!
//! Every change an operation makes is recorded as the *inverse* of what it
//! did: a value inserted (undo: take it out), a value replaced (undo: put
//! the old one back) or a value removed (undo: insert it again, at the same
//! position). The log holds only the values the patch displaced, moved in,
//! never copied, and it names places by the operation's own pointers (no
//! allocation per operation). On failure the log is played backwards, which
//! restores the document exactly, member order included; on success it
//! becomes the inverse patch, or is dropped.

use std::mem;

use serde_json::Value;

use super::{check_operation_count, equal, Operation, Patch};
use crate::error::{Error, ErrorKind};
use crate::limits::Limits;
use crate::order::{insert_member_at, remove_member, remove_member_at};
use crate::pointer::{array_index, Pointer, PointerBuf, Step};
use crate::walk::{self, dismantle};

/// Applies `operations` to `doc`; with `inverse`, returns the patch that
/// undoes them.
pub(super) fn apply(
    operations: &[Operation],
    doc: &mut Value,
    limits: Limits,
    inverse: bool,
) -> Result<Option<Patch>, Error> {
    check_operation_count(operations.len(), limits)?;
    let mut state = State {
        log: Vec::new(),
        copy_left: limits.get_max_copy_size(),
        limits,
        inverse,
    };
    for (index, operation) in operations.iter().enumerate() {
        if let Err(err) = state.step(operation, doc) {
            rollback(doc, state.log);
            return Err(err.with_op_index(index));
        }
    }
    if inverse {
        Ok(Some(invert(state.log)))
    } else {
        for entry in state.log {
            entry.forget();
        }
        Ok(None)
    }
}

/// Where a value sits: the whole document, a member of an object, or an
/// element of an array (its index as it was when the entry was made). The
/// parent pointers are operations' own, and name containers that existed.
#[derive(Clone, Copy, Debug)]
enum Place<'p> {
    Root,
    Member(&'p Pointer, &'p str),
    Element(&'p Pointer, usize),
}

impl Place<'_> {
    fn to_pointer(self) -> PointerBuf {
        let (parent, last) = match self {
            Place::Root => return PointerBuf::new(),
            Place::Member(parent, name) => (parent, name.to_owned()),
            Place::Element(parent, index) => (parent, index.to_string()),
        };
        let mut pointer = parent.to_buf();
        pointer.push(last);
        pointer
    }
}

/// What a removed value became.
#[derive(Debug)]
enum Held {
    /// Removed by `remove`: the log keeps it.
    Kept(Value),
    /// Removed by `move`: it went to the place of the next entry.
    Moved,
    /// Like `Moved`, and a copy kept for the inverse patch, because the
    /// destination is an ancestor of the source and `move` cannot go back.
    MovedCopy(Value),
}

/// One change, as what undoes it.
#[derive(Debug)]
enum Undo<'p> {
    /// A value was inserted at the place.
    Inserted(Place<'p>),
    /// The value at the place replaced this one.
    Replaced(Place<'p>, Value),
    /// A value was removed from the place; for a member, `position` is where
    /// it stood among its siblings.
    Removed {
        place: Place<'p>,
        position: usize,
        held: Held,
    },
}

impl Undo<'_> {
    fn forget(self) {
        match self {
            Undo::Replaced(_, old)
            | Undo::Removed {
                held: Held::Kept(old) | Held::MovedCopy(old),
                ..
            } => dismantle(old),
            _ => {}
        }
    }
}

struct State<'p> {
    log: Vec<Undo<'p>>,
    copy_left: usize,
    limits: Limits,
    inverse: bool,
}

impl<'p> State<'p> {
    fn step(&mut self, operation: &'p Operation, doc: &mut Value) -> Result<(), Error> {
        match operation {
            Operation::Add { path, value } => {
                self.check_value(path, value)?;
                self.add(doc, path, value.clone()).map_err(|(err, value)| {
                    dismantle(value);
                    err
                })
            }
            Operation::Remove { path } => {
                let (place, position, value) = remove(doc, path)?;
                self.log.push(Undo::Removed {
                    place,
                    position,
                    held: Held::Kept(value),
                });
                Ok(())
            }
            Operation::Replace { path, value } => {
                self.check_value(path, value)?;
                let (place, target) = locate(doc, path)?;
                let old = mem::replace(target, value.clone());
                self.log.push(Undo::Replaced(place, old));
                Ok(())
            }
            Operation::Move { from, path } => self.move_value(doc, from, path),
            Operation::Copy { from, path } => {
                let source = from.get(doc)?;
                self.charge_copy(from, source)?;
                let copy = source.clone();
                self.add(doc, path, copy).map_err(|(err, value)| {
                    dismantle(value);
                    err
                })
            }
            Operation::Test { path, value } => {
                let current = path.get(doc)?;
                if equal(current, value) {
                    Ok(())
                } else {
                    Err(Error::new(
                        ErrorKind::TestFailed,
                        format!("expected {}, found {}", shorten(value), shorten(current)),
                    )
                    .with_pointer(path.to_string()))
                }
            }
        }
    }

    fn move_value(
        &mut self,
        doc: &mut Value,
        from: &'p Pointer,
        path: &'p Pointer,
    ) -> Result<(), Error> {
        if from == path {
            // RFC 6902 §4.4: `from` must exist even when nothing moves.
            from.get(doc)?;
            return Ok(());
        }
        if from.is_proper_prefix_of(path) {
            return Err(Error::new(
                ErrorKind::MoveIntoDescendant,
                format!(
                    "`from` {:?} is a proper prefix of `path`: a value cannot move into itself",
                    from.to_string()
                ),
            )
            .with_pointer(path.to_string()));
        }
        let (place, position, value) = remove(doc, from)?;
        let at = self.log.len();
        self.log.push(Undo::Removed {
            place,
            position,
            held: Held::Moved,
        });
        match self.add(doc, path, value) {
            Ok(()) => {
                if self.inverse {
                    // On error the value is in the log; the caller's
                    // rollback moves it back.
                    self.keep_copy_if_ancestor(doc, path, at)?;
                }
                Ok(())
            }
            Err((err, value)) => {
                // Put the value back where it came from before the caller
                // rolls back the rest.
                if let Some(Undo::Removed {
                    place, position, ..
                }) = self.log.pop()
                {
                    put_back(doc, place, position, value);
                }
                Err(err)
            }
        }
    }

    /// When a move's destination is an ancestor of its source, the inverse
    /// cannot be a `move`; it re-adds a copy of the moved value instead.
    /// The copy is charged to the copy budget and bounded by the depth
    /// limit like any other.
    fn keep_copy_if_ancestor(
        &mut self,
        doc: &Value,
        path: &Pointer,
        at: usize,
    ) -> Result<(), Error> {
        let (Some(Undo::Removed { place: source, .. }), Some(destination)) =
            (self.log.get(at), self.log.get(at + 1))
        else {
            return Ok(());
        };
        let destination = match destination {
            Undo::Inserted(place) | Undo::Replaced(place, _) => *place,
            Undo::Removed { .. } => return Ok(()),
        };
        let (source, destination) = (source.to_pointer(), destination.to_pointer());
        if !destination.is_proper_prefix_of(&source) {
            return Ok(());
        }
        let moved = destination.get(doc)?;
        self.charge_copy(path, moved)?;
        let copy = moved.clone();
        if let Some(Undo::Removed { held, .. }) = self.log.get_mut(at) {
            *held = Held::MovedCopy(copy);
        }
        Ok(())
    }

    /// Adds `value` at `path`, logging the change; on failure hands the
    /// value back.
    fn add(
        &mut self,
        doc: &mut Value,
        path: &'p Pointer,
        value: Value,
    ) -> Result<(), (Error, Value)> {
        let Some((parent, last)) = path.split_last() else {
            let old = mem::replace(doc, value);
            self.log.push(Undo::Replaced(Place::Root, old));
            return Ok(());
        };
        let position = path.len() - 1;
        let container = match path.walk_mut(doc, position) {
            Ok(container) => container,
            Err(err) => return Err((err, value)),
        };
        match container {
            Value::Object(members) => {
                let place = Place::Member(parent, last);
                if let Some(slot) = members.get_mut(last) {
                    let old = mem::replace(slot, value);
                    self.log.push(Undo::Replaced(place, old));
                } else {
                    members.insert(last.to_owned(), value);
                    self.log.push(Undo::Inserted(place));
                }
                Ok(())
            }
            Value::Array(items) => match array_index(last, items.len(), true) {
                Ok(index) => {
                    items.insert(index, value);
                    self.log.push(Undo::Inserted(Place::Element(parent, index)));
                    Ok(())
                }
                Err(step) => Err((path.error_at(position, step), value)),
            },
            _ => Err((path.error_at(position, Step::Scalar), value)),
        }
    }

    /// Checks that a value the patch carries may be cloned into the
    /// document: no deeper than the depth limit.
    fn check_value(&self, path: &Pointer, value: &Value) -> Result<(), Error> {
        let max_depth = self.limits.get_max_depth();
        if max_depth == usize::MAX || walk::depth_within(value, max_depth) {
            Ok(())
        } else {
            Err(Error::new(
                ErrorKind::LimitExceeded,
                format!("the value is nested deeper than the depth limit of {max_depth}"),
            )
            .with_pointer(path.to_string()))
        }
    }

    /// Charges the size of a value about to be copied against the copy
    /// budget, and checks its depth, before anything is allocated.
    fn charge_copy(&mut self, from: &Pointer, source: &Value) -> Result<(), Error> {
        let max_depth = self.limits.get_max_depth();
        let mut left = self.copy_left;
        match copy_size(source, max_depth, &mut left) {
            Ok(()) => {
                self.copy_left = left;
                Ok(())
            }
            Err(Exceeded::Depth) => Err(Error::new(
                ErrorKind::LimitExceeded,
                format!("the value to copy is nested deeper than the depth limit of {max_depth}"),
            )
            .with_pointer(from.to_string())),
            Err(Exceeded::Size) => Err(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "the copies of this patch exceed the copy size limit of {} bytes",
                    self.limits.get_max_copy_size()
                ),
            )
            .with_pointer(from.to_string())),
        }
    }
}

/// Removes the value at `path`: the place it was, its position among its
/// siblings (for members), and the value.
fn remove<'p>(doc: &mut Value, path: &'p Pointer) -> Result<(Place<'p>, usize, Value), Error> {
    let Some((parent, last)) = path.split_last() else {
        return Err(Error::new(
            ErrorKind::InvalidPatch,
            "the whole document cannot be removed (replace it instead)",
        )
        .with_pointer(""));
    };
    let position = path.len() - 1;
    match path.walk_mut(doc, position)? {
        Value::Object(members) => {
            let (order, value) = remove_member_at(members, last)
                .ok_or_else(|| path.error_at(position, Step::NoMember))?;
            Ok((Place::Member(parent, last), order, value))
        }
        Value::Array(items) => {
            let index = array_index(last, items.len(), false)
                .map_err(|step| path.error_at(position, step))?;
            Ok((Place::Element(parent, index), 0, items.remove(index)))
        }
        _ => Err(path.error_at(position, Step::Scalar)),
    }
}

/// The existing value at `path`, for `replace`.
fn locate<'p, 'v>(
    doc: &'v mut Value,
    path: &'p Pointer,
) -> Result<(Place<'p>, &'v mut Value), Error> {
    let Some((parent, last)) = path.split_last() else {
        return Ok((Place::Root, doc));
    };
    let position = path.len() - 1;
    match path.walk_mut(doc, position)? {
        Value::Object(members) => match members.get_mut(last) {
            Some(value) => Ok((Place::Member(parent, last), value)),
            None => Err(path.error_at(position, Step::NoMember)),
        },
        Value::Array(items) => {
            let index = array_index(last, items.len(), false)
                .map_err(|step| path.error_at(position, step))?;
            Ok((Place::Element(parent, index), &mut items[index]))
        }
        _ => Err(path.error_at(position, Step::Scalar)),
    }
}

/// Plays the log backwards. Each entry's place is valid again once the
/// entries after it are undone, so nothing here can fail on a log this
/// module wrote; the `if let`s only keep a broken invariant from panicking.
fn rollback(doc: &mut Value, mut log: Vec<Undo<'_>>) {
    // The value the last undone insertion or replacement took out: a moved
    // value on its way back to where it was removed.
    let mut carried: Option<Value> = None;
    while let Some(entry) = log.pop() {
        match entry {
            Undo::Inserted(place) => {
                if let Some(value) = take_out(doc, place) {
                    carry(&mut carried, value);
                }
            }
            Undo::Replaced(place, old) => {
                if let Some(slot) = slot_mut(doc, place) {
                    let newer = mem::replace(slot, old);
                    carry(&mut carried, newer);
                }
            }
            Undo::Removed {
                place,
                position,
                held,
            } => {
                let value = match held {
                    Held::Kept(value) => Some(value),
                    Held::Moved => carried.take(),
                    Held::MovedCopy(copy) => {
                        dismantle(copy);
                        carried.take()
                    }
                };
                if let Some(value) = value {
                    put_back(doc, place, position, value);
                }
            }
        }
    }
    if let Some(value) = carried {
        dismantle(value);
    }
}

fn carry(carried: &mut Option<Value>, value: Value) {
    if let Some(previous) = carried.replace(value) {
        dismantle(previous);
    }
}

fn slot_mut<'v>(doc: &'v mut Value, place: Place<'_>) -> Option<&'v mut Value> {
    match place {
        Place::Root => Some(doc),
        Place::Member(parent, name) => parent.get_mut(doc).ok()?.as_object_mut()?.get_mut(name),
        Place::Element(parent, index) => parent.get_mut(doc).ok()?.as_array_mut()?.get_mut(index),
    }
}

fn take_out(doc: &mut Value, place: Place<'_>) -> Option<Value> {
    match place {
        Place::Root => None,
        Place::Member(parent, name) => {
            remove_member(parent.get_mut(doc).ok()?.as_object_mut()?, name)
        }
        Place::Element(parent, index) => {
            let items = parent.get_mut(doc).ok()?.as_array_mut()?;
            (index < items.len()).then(|| items.remove(index))
        }
    }
}

fn put_back(doc: &mut Value, place: Place<'_>, position: usize, value: Value) {
    let Some(container) = (match place {
        Place::Root => None,
        Place::Member(parent, _) | Place::Element(parent, _) => parent.get_mut(doc).ok(),
    }) else {
        return;
    };
    match (place, container) {
        (Place::Member(_, name), Value::Object(members)) => {
            insert_member_at(members, position, name.to_owned(), value)
        }
        (Place::Element(_, index), Value::Array(items)) if index <= items.len() => {
            items.insert(index, value)
        }
        _ => {}
    }
}

/// The patch that undoes a successful application: the log, backwards, as
/// operations. A `move` goes back as a `move` where it can.
fn invert(log: Vec<Undo<'_>>) -> Patch {
    let mut operations = Vec::with_capacity(log.len());
    let mut entries = log.into_iter().rev().peekable();
    while let Some(entry) = entries.next() {
        let moved_here = matches!(
            entries.peek(),
            Some(Undo::Removed {
                held: Held::Moved | Held::MovedCopy(_),
                ..
            })
        ) && !matches!(entry, Undo::Removed { .. });
        if moved_here {
            let Some(Undo::Removed {
                place: source,
                held,
                ..
            }) = entries.next()
            else {
                continue;
            };
            let source_place = source;
            let source = source.to_pointer();
            match (entry, held) {
                (Undo::Inserted(place), Held::Moved) => operations.push(Operation::Move {
                    from: place.to_pointer(),
                    path: source,
                }),
                (Undo::Replaced(place, old), Held::Moved) => {
                    // Move the value back, then restore what it overwrote,
                    // whose index may have shifted when the value went back
                    // into an array before it.
                    let destination = place.to_pointer();
                    let restored = shifted_by_insertion(destination.clone(), source_place);
                    operations.push(Operation::Move {
                        from: destination,
                        path: source,
                    });
                    operations.push(Operation::Add {
                        path: restored,
                        value: old,
                    });
                }
                (entry, Held::MovedCopy(value) | Held::Kept(value)) => {
                    operations.extend(undo_operation(entry));
                    operations.push(Operation::Add {
                        path: source,
                        value,
                    });
                }
                // Not reached: a removal is never the destination of a move.
                (entry, Held::Moved) => operations.extend(undo_operation(entry)),
            }
        } else {
            operations.extend(undo_operation(entry));
        }
    }
    Patch(operations)
}

/// `pointer` after a value is inserted at `at`: an index at or past the
/// insertion, in the same array, moves up by one.
fn shifted_by_insertion(pointer: PointerBuf, at: Place<'_>) -> PointerBuf {
    let Place::Element(array, inserted) = at else {
        return pointer;
    };
    let depth = array.len();
    if pointer.len() <= depth || !pointer.starts_with(array) {
        return pointer;
    }
    match pointer.tokens()[depth].parse::<usize>() {
        Ok(index) if index >= inserted => {
            let mut tokens = pointer.into_tokens();
            tokens[depth] = (index + 1).to_string();
            PointerBuf::from_tokens(tokens)
        }
        _ => pointer,
    }
}

fn undo_operation(entry: Undo<'_>) -> Option<Operation> {
    Some(match entry {
        Undo::Inserted(place) => Operation::Remove {
            path: place.to_pointer(),
        },
        Undo::Replaced(place, old) => Operation::Replace {
            path: place.to_pointer(),
            value: old,
        },
        Undo::Removed {
            place,
            held: Held::Kept(value),
            ..
        } => Operation::Add {
            path: place.to_pointer(),
            value,
        },
        Undo::Removed { .. } => return None,
    })
}

enum Exceeded {
    Depth,
    Size,
}

/// Subtracts the size of `value` from `left`: an estimate of the memory a
/// copy allocates, [`std::mem::size_of::<Value>`] per value plus the bytes
/// of every string, member name and (under `arbitrary_precision`) number. Stops as soon as either bound is
/// crossed, so a huge value costs no more than the budget to measure.
fn copy_size(value: &Value, depth_left: usize, left: &mut usize) -> Result<(), Exceeded> {
    let own = mem::size_of::<Value>()
        + match value {
            Value::String(text) => text.len(),
            // Under serde_json's arbitrary_precision a number is its text,
            // which can be of any length.
            Value::Number(number) if super::equality::arbitrary_precision() => {
                number.to_string().len()
            }
            _ => 0,
        };
    *left = left.checked_sub(own).ok_or(Exceeded::Size)?;
    match value {
        Value::Array(items) => {
            let inner = depth_left.checked_sub(1).ok_or(Exceeded::Depth)?;
            items
                .iter()
                .try_for_each(|item| copy_size(item, inner, left))
        }
        Value::Object(members) => {
            let inner = depth_left.checked_sub(1).ok_or(Exceeded::Depth)?;
            members.iter().try_for_each(|(name, member)| {
                *left = left.checked_sub(name.len()).ok_or(Exceeded::Size)?;
                copy_size(member, inner, left)
            })
        }
        _ => Ok(()),
    }
}

/// A value as short JSON text for an error message.
fn shorten(value: &Value) -> String {
    const MAX: usize = 120;
    if !walk::depth_within(value, 64) {
        return "(a deeply nested value)".to_owned();
    }
    let text = value.to_string();
    if text.len() <= MAX {
        return text;
    }
    let mut cut = MAX;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &text[..cut])
}
