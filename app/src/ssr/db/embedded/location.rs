//! Where the embedded cluster lives. Normally `<data dir>/postgres`; but when Ward runs as root
//! the cluster runs as the `postgres` user, which often cannot enter the data directory (root's
//! home is 0700, so is a `mktemp -d` folder). Then the cluster is kept in a directory that user
//! can reach, `/var/lib/ward/<id>/postgres`, with `<id>` derived from the data directory so the
//! next start finds the same cluster. The user's directories are never made more open.
use crate::ssr::{Error, Result};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Where relocated clusters go (the Debian convention for a service's state).
const RELOCATED: &str = "/var/lib/ward";
/// PostgreSQL's limit on a unix socket path (sun_path minus its NUL).
const MAX_SOCKET_PATH: usize = 107;
const SOCKET_NAME: &str = ".s.PGSQL.5432";

pub(super) struct Location {
    /// Holds `data/` (the cluster) and, unless moved for length, `run/` (the socket).
    pub root: PathBuf,
    pub socket_dir: PathBuf,
    /// The cluster is not under the data directory: the `postgres` user cannot reach it.
    pub relocated: bool,
}

/// Decides where the cluster for data directory `base` lives. `run_as` is the user the tools
/// run as (None: this process's user, who can reach its own data directory).
pub(super) fn locate(base: &Path, run_as: Option<(u32, u32)>) -> Result<Location> {
    let base = std::path::absolute(base).map_err(Error::internal)?;
    // The id and the access check follow symlinks, so two spellings of one directory agree.
    let canonical = std::fs::canonicalize(&base).unwrap_or_else(|_| base.clone());
    let id = id(&canonical);
    let local = base.join("postgres");
    let relocated = Path::new(RELOCATED).join(&id).join("postgres");
    let use_relocated = match run_as {
        None => false,
        Some(user) => {
            let has_cluster = |root: &Path| root.join("data").join("PG_VERSION").exists();
            // An existing cluster wins, so a later chmod never swaps in an empty one.
            let reachable = reachable(&canonical, user);
            if has_cluster(&local) && reachable {
                false
            } else {
                has_cluster(&relocated) || !reachable
            }
        }
    };
    let root = if use_relocated { relocated } else { local };
    let socket_dir = root.join("run");
    let socket_dir = if socket_dir.join(SOCKET_NAME).as_os_str().len() > MAX_SOCKET_PATH {
        std::env::temp_dir().join(format!("ward-{id}"))
    } else {
        socket_dir
    };
    Ok(Location {
        root,
        socket_dir,
        relocated: use_relocated,
    })
}

/// A stable, short name for a data directory.
fn id(canonical: &Path) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(canonical.as_os_str().as_encoded_bytes());
    hex::encode(&digest[..8])
}

/// Whether `user` (uid, gid; the tools run without supplementary groups) may enter every
/// existing directory from `/` down to `path`.
fn reachable(path: &Path, user: (u32, u32)) -> bool {
    path.ancestors()
        .filter_map(|dir| std::fs::metadata(dir).ok())
        .all(|m| can_enter(m.mode(), m.uid(), m.gid(), user))
}

/// The execute (search) bit that applies to `user` on a directory with this mode and owner.
fn can_enter(mode: u32, owner: u32, group: u32, (uid, gid): (u32, u32)) -> bool {
    let bits = if owner == uid {
        mode >> 6
    } else if group == gid {
        mode >> 3
    } else {
        mode
    };
    bits & 0o1 != 0
}

/// Makes the directories of a relocated cluster: `/var/lib/ward/<id>` (root's, open for
/// traversal) with a note naming the data directory it belongs to.
pub(super) fn prepare_relocated(root: &Path, base: &Path) -> Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let Some(parent) = root.parent() else {
        return Ok(());
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(parent)
        .map_err(|e| Error::internal(format!("cannot create {}: {e}", parent.display())))?;
    // The umask may have narrowed them; `postgres` must pass through both.
    for dir in [Path::new(RELOCATED), parent] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755))
            .map_err(Error::internal)?;
    }
    let note = std::path::absolute(base).map_err(Error::internal)?;
    std::fs::write(
        parent.join("data-dir"),
        format!("{}\n", note.to_string_lossy()),
    )
    .map_err(|e| Error::internal(format!("cannot write in {}: {e}", parent.display())))
}

/// Makes the socket directory when it had to leave the cluster root (path too long): a fresh
/// 0700 directory, or an existing one only if it is a real directory owned by `owner`, so
/// nobody else can plant it in the shared temp directory.
pub(super) fn prepare_socket_dir(dir: &Path, owner: u32) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let m = std::fs::symlink_metadata(dir).map_err(Error::internal)?;
            let ours = m.is_dir() && (m.uid() == owner || m.uid() == own_uid());
            if ours {
                Ok(())
            } else {
                Err(Error::internal(format!(
                    "{} exists but does not belong to Ward; remove it",
                    dir.display()
                )))
            }
        }
        Err(e) => Err(Error::internal(format!(
            "cannot create {}: {e}",
            dir.display()
        ))),
    }
}

/// This process's effective user: /proc/self is owned by it (no libc call needed).
pub(super) fn own_uid() -> u32 {
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_bit_is_taken_from_owner_group_or_others() {
        let pg = (101, 104);
        assert!(!can_enter(0o700, 0, 0, pg), "root's home");
        assert!(can_enter(0o755, 0, 0, pg));
        assert!(can_enter(0o700, 101, 0, pg), "owned by postgres");
        assert!(can_enter(0o710, 0, 104, pg), "group postgres");
        assert!(
            !can_enter(0o701, 0, 104, pg),
            "the group bits apply, not others'"
        );
        assert!(!can_enter(0o077, 101, 104, pg), "the owner bits apply");
    }

    #[test]
    fn closed_directories_move_the_cluster_and_the_choice_is_stable() {
        let dir = std::env::temp_dir().join(format!("ward-loc-{}", uuid::Uuid::new_v4()));
        let data = dir.join("data");
        std::fs::create_dir_all(&data).expect("mkdir");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
        // A user that owns nothing here and is in no group of ours.
        let stranger = Some((own_uid().wrapping_add(4242), 4242));
        let a = locate(&data, stranger).expect("locate");
        assert!(a.relocated);
        assert!(a.root.starts_with(RELOCATED), "{}", a.root.display());
        let b = locate(&dir.join("data/../data"), stranger).expect("locate");
        assert_eq!(a.root, b.root, "same directory, same cluster");
        let mine = locate(&data, None).expect("locate");
        assert!(!mine.relocated);
        assert_eq!(mine.root, data.join("postgres"));
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert!(!locate(&data, stranger).expect("locate").relocated);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_long_data_dir_keeps_its_socket_short() {
        let long = std::env::temp_dir().join("w".repeat(120)).join("data");
        let loc = locate(&long, None).expect("locate");
        assert_eq!(loc.root, long.join("postgres"));
        assert!(loc.socket_dir.join(SOCKET_NAME).as_os_str().len() <= MAX_SOCKET_PATH);
        let short = locate(Path::new("/srv/ward"), None).expect("locate");
        assert_eq!(short.socket_dir, Path::new("/srv/ward/postgres/run"));
    }
}
