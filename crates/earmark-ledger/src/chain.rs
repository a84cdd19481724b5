//! The tamper-evident chain. Each record holds the SHA-256 of its content (kind, time, actor,
//! body, exactly as stored) and of the previous record; its own hash is
//! `sha256(prev_hash || content_hash)`. Editing a record breaks its content hash; deleting or
//! reordering breaks the link of the record after it; deleting the tail leaves the chain head
//! (kept in its own row, and in every export's manifest) pointing past the last record.

use sha2::{Digest, Sha256};

use crate::model::{ChainHead, Record};

/// The previous hash of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The hash of a record's content. Lengths are framed so that no two field splits collide.
pub fn content_hash(kind: &str, recorded_at: &str, actor: &str, body: &str) -> String {
    let mut h = Sha256::new();
    for field in [kind, recorded_at, actor, body] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A record's hash: its content's, chained to the previous record's.
pub fn link_hash(prev_hash: &str, content_hash: &str) -> String {
    sha256_hex(format!("{prev_hash}{content_hash}").as_bytes())
}

/// Builds the next record after `head`.
pub(crate) fn next_record(
    head: &ChainHead,
    kind: &str,
    recorded_at: &str,
    actor: &str,
    body: String,
) -> Record {
    let content = content_hash(kind, recorded_at, actor, &body);
    Record {
        seq: head.seq + 1,
        kind: kind.to_owned(),
        recorded_at: recorded_at.to_owned(),
        actor: actor.to_owned(),
        hash: link_hash(&head.hash, &content),
        body,
        content_hash: content,
        prev_hash: head.hash.clone(),
    }
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Break {
    #[error("record #{seq} was edited: its content no longer matches its hash")]
    Edited { seq: u64 },
    #[error("record #{seq} was deleted: the chain jumps from #{before} to #{after}")]
    Deleted { seq: u64, before: u64, after: u64 },
    #[error("record #{seq} is out of order: it was written after #{written_after}, not after #{}", seq - 1)]
    Reordered { seq: u64, written_after: u64 },
    #[error("record #{seq} was edited, replaced or deleted: record #{} no longer links to it", seq + 1)]
    Replaced { seq: u64 },
    #[error(
        "record #{seq} was deleted: the chain head is #{head_seq} but the last record is #{last}"
    )]
    TailDeleted { seq: u64, head_seq: u64, last: u64 },
    #[error("the chain head does not match record #{seq}: the last record was edited or replaced")]
    HeadMismatch { seq: u64 },
    /// The chain is whole but a table kept beside it disagrees with it (a depletion edited
    /// to free room on a license, a shipment row deleted to allow a re-import).
    #[error("{0}")]
    Index(String),
}

impl Break {
    /// The record the break names first; `None` when the chain is whole and a table beside
    /// it was edited.
    pub fn seq(&self) -> Option<u64> {
        match *self {
            Self::Edited { seq }
            | Self::Deleted { seq, .. }
            | Self::Reordered { seq, .. }
            | Self::Replaced { seq }
            | Self::TailDeleted { seq, .. }
            | Self::HeadMismatch { seq } => Some(seq),
            Self::Index(_) => None,
        }
    }
}

/// Walks the records in seq order, one page at a time.
#[derive(Debug)]
pub(crate) struct Walker {
    expected: u64,
    prev_hash: String,
}

impl Walker {
    pub(crate) fn new() -> Self {
        Self {
            expected: 1,
            prev_hash: GENESIS.to_owned(),
        }
    }

    /// Checks the next record. `written_after` finds the record whose hash a broken link
    /// names, to tell a reordering from a deletion.
    pub(crate) fn step(
        &mut self,
        r: &Record,
        written_after: impl FnOnce(&str) -> Option<u64>,
    ) -> Result<(), Break> {
        if r.seq != self.expected {
            return Err(Break::Deleted {
                seq: self.expected,
                before: self.expected - 1,
                after: r.seq,
            });
        }
        if content_hash(&r.kind, &r.recorded_at, &r.actor, &r.body) != r.content_hash
            || link_hash(&r.prev_hash, &r.content_hash) != r.hash
        {
            return Err(Break::Edited { seq: r.seq });
        }
        if r.prev_hash != self.prev_hash {
            if r.seq == 1 {
                // Nothing comes before the first record: its own link was rewritten.
                return Err(Break::Edited { seq: 1 });
            }
            return Err(match written_after(&r.prev_hash) {
                Some(other) if other != r.seq - 1 => Break::Reordered {
                    seq: r.seq,
                    written_after: other,
                },
                _ => Break::Replaced { seq: r.seq - 1 },
            });
        }
        self.expected += 1;
        self.prev_hash.clone_from(&r.hash);
        Ok(())
    }

    /// Checks the end of the walk against the chain head.
    pub(crate) fn finish(self, head: &ChainHead) -> Result<ChainHead, Break> {
        let last = self.expected - 1;
        if head.seq > last {
            return Err(Break::TailDeleted {
                seq: last + 1,
                head_seq: head.seq,
                last,
            });
        }
        if head.seq < last || head.hash != self.prev_hash {
            return Err(Break::HeadMismatch { seq: last });
        }
        Ok(head.clone())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use super::*;

    fn chain(n: u64) -> Vec<Record> {
        let mut head = ChainHead {
            seq: 0,
            hash: GENESIS.to_owned(),
        };
        (0..n)
            .map(|i| {
                let r = next_record(
                    &head,
                    "decision",
                    "2026-12-01T00:00:00Z",
                    "a",
                    format!("{{\"n\":{i}}}"),
                );
                head = ChainHead {
                    seq: r.seq,
                    hash: r.hash.clone(),
                };
                r
            })
            .collect()
    }

    fn walk(records: &[Record], head: &ChainHead) -> Result<ChainHead, Break> {
        let mut w = Walker::new();
        for r in records {
            w.step(r, |h| records.iter().find(|x| x.hash == h).map(|x| x.seq))?;
        }
        w.finish(head)
    }

    #[test]
    fn a_first_record_whose_link_was_rewritten_is_named_as_edited_not_record_zero() {
        let mut records = chain(3);
        let head = ChainHead {
            seq: 3,
            hash: records[2].hash.clone(),
        };
        assert!(walk(&records, &head).is_ok());
        records[0].prev_hash = "f".repeat(64);
        records[0].hash = link_hash(&records[0].prev_hash, &records[0].content_hash);
        assert_eq!(walk(&records, &head), Err(Break::Edited { seq: 1 }));
    }

    #[test]
    fn content_fields_are_framed_so_moving_text_between_them_changes_the_hash() {
        assert_ne!(
            content_hash("ab", "c", "", ""),
            content_hash("a", "bc", "", "")
        );
    }
}
