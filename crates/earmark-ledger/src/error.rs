//! What can go wrong, split by whose problem it is: a refused line (the rest of a batch goes on)
//! or a storage failure (the transaction is abandoned).

/// A ledger error. Messages are one lowercase line; user input is in backticks.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The database URL is not one the ledger opens.
    #[error("`{0}` is not a ledger database: give `sqlite://PATH` or `postgres://USER@HOST/DB`")]
    BadUrl(String),
    /// A line or license the ledger refuses; nothing was written for it.
    #[error("{0}")]
    Refused(String),
    /// The database holds something the ledger did not write (or a newer version wrote).
    #[error("the ledger database is not readable: {0}")]
    Corrupt(String),
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgresql: {0}")]
    Postgres(#[from] postgres::Error),
}

impl LedgerError {
    pub(crate) fn refused(message: impl Into<String>) -> Self {
        Self::Refused(message.into())
    }

    /// Whether the error refuses one line (a batch reports it and goes on) rather than stops
    /// the store.
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::Refused(_))
    }
}

pub type Result<T, E = LedgerError> = std::result::Result<T, E>;
