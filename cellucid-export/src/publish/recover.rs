//! Recovery of an interrupted transaction (format.md §20, recovery table).

use super::error::PublishError;
use super::fsutil::{entry, sync_dir, Entry};
use super::journal::Journal;
use super::target::Target;

/// What recovery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    /// No journal: nothing to do.
    Clean,
    /// The interrupted transaction had committed; leftovers were cleaned.
    Committed,
    /// The interrupted transaction was rolled back; the previous target is in place.
    RolledBack,
}

fn remove_tree(path: &std::path::Path, parent: &std::path::Path) -> Result<(), PublishError> {
    std::fs::remove_dir_all(path).map_err(PublishError::io("removing", path))?;
    sync_dir(parent)
}

/// Recovers the target's interrupted transaction, if any: deletes a leftover journal `.tmp`,
/// then acts on (target, stage, backup) as the table of format.md §20 says, re-verifies the
/// journal and deletes it. Must be called with the lock held.
///
/// # Errors
/// [`PublishError::Unrecoverable`] for an ambiguous state, [`PublishError::BadJournal`] for a
/// malformed or changed journal, [`PublishError::Io`].
pub fn recover(target: &Target) -> Result<Recovery, PublishError> {
    let tmp = target.journal_tmp_path();
    match std::fs::remove_file(&tmp) {
        Ok(()) => sync_dir(&target.parent)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(PublishError::io("removing the leftover journal", &tmp)(e)),
    }
    let journal_path = target.journal_path();
    let Some(journal) = Journal::read(&journal_path)? else {
        return Ok(Recovery::Clean);
    };
    let stage = target.stage_path(&journal.transaction_id);
    let backup = target.backup_path(&journal.transaction_id);
    let (t, s, b) = (entry(&target.path)?, entry(&stage)?, entry(&backup)?);
    let state = format!(
        "had_target={}, target {:?}, stage {:?}, backup {:?}",
        journal.had_target, t, s, b
    );
    if [t, s, b].contains(&Entry::Other) {
        return Err(PublishError::Unrecoverable {
            target: target.path.clone(),
            state,
        });
    }
    let (t, s, b) = (t == Entry::Dir, s == Entry::Dir, b == Entry::Dir);
    let outcome = match (journal.had_target, t, s, b) {
        (true, true, false, false) | (false, true, false, false) => Recovery::Committed,
        (false, false, false, false) => Recovery::RolledBack,
        (true, true, true, false) | (false, false, true, false) => {
            remove_tree(&stage, &target.parent)?;
            Recovery::RolledBack
        }
        (true, false, true, true) => {
            std::fs::rename(&backup, &target.path)
                .map_err(PublishError::io("restoring the backup", &backup))?;
            sync_dir(&target.parent)?;
            remove_tree(&stage, &target.parent)?;
            Recovery::RolledBack
        }
        (true, true, false, true) => {
            remove_tree(&backup, &target.parent)?;
            Recovery::Committed
        }
        _ => {
            return Err(PublishError::Unrecoverable {
                target: target.path.clone(),
                state,
            })
        }
    };
    if Journal::read(&journal_path)? != Some(journal) {
        return Err(PublishError::BadJournal {
            path: journal_path,
            reason: "changed during recovery".into(),
        });
    }
    std::fs::remove_file(&journal_path)
        .map_err(PublishError::io("removing the journal", &journal_path))?;
    sync_dir(&target.parent)?;
    Ok(outcome)
}
