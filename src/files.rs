//! Writing documents to files. A file that may hold a secret is created with mode
//! 0600 from the start, so it is never readable by others, not even for a moment:
//! the wizard's saves use `write_document`, the `curated` command's config file and
//! manifest `write_private`, which also leaves an unchanged file alone.

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

/// Who may read a written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privacy {
    /// Owner only (0600): config files and manifests with keys.
    Private,
    /// The usual mode (0644 before the umask): policies and commands.
    Shared,
}

/// Writes `contents` to `path`. Without `overwrite` an existing file is left alone and
/// the error kind is `AlreadyExists`. With it, the file is replaced and, when private,
/// its mode is narrowed to 0600 even if it was wider before.
pub fn write_document(
    path: &Path,
    contents: &str,
    privacy: Privacy,
    overwrite: bool,
) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(match privacy {
            Privacy::Private => 0o600,
            Privacy::Shared => 0o644,
        });
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    if privacy == Privacy::Private {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

/// What `write_private` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Unchanged,
}

#[cfg(unix)]
/// Replaces a file that holds a secret. It is created 0600 under a temporary name in
/// the same folder and renamed over the target, so the secret is never in a file
/// that others may read, not even for a moment.
pub fn write_private(path: &Path, content: &str) -> std::io::Result<Written> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if let Ok(current) = std::fs::read(path)
        && current == content.as_bytes()
    {
        let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
        if mode != 0o600 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        return Ok(Written::Unchanged);
    }
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?
        .to_string_lossy();
    let temporary = path.with_file_name(format!(".{name}.ecr-share-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)?;
        file.write_all(content.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map(|()| Written::Created)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn private_files_are_0600_and_existing_files_are_kept_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();

        let error = write_document(&path, "new", Privacy::Private, false).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");

        write_document(&path, "new", Privacy::Private, true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);

        let fresh = dir.path().join("fresh");
        write_document(&fresh, "x", Privacy::Private, false).unwrap();
        assert_eq!(
            std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn private_files_are_0600_even_when_replacing_an_open_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            write_private(&path, "new").unwrap(),
            Written::Created
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(matches!(
            write_private(&path, "new").unwrap(),
            Written::Unchanged
        ));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}

/// Which existing file a prepared write may replace.
pub enum Replace<'a> {
    Never,
    /// A file the caller recognises as one it wrote.
    IfOurs(&'a dyn Fn(&str) -> bool),
    Always,
}

/// A file about to be written (interim form: checks only).
pub struct PreparedFile {
    path: std::path::PathBuf,
}

impl PreparedFile {
    pub fn prepare(path: &Path, replace: Replace<'_>) -> io::Result<PreparedFile> {
        if let Ok(text) = std::fs::read_to_string(path) {
            let allowed = match replace {
                Replace::Never => false,
                Replace::IfOurs(ours) => ours(&text),
                Replace::Always => true,
            };
            if !allowed {
                return Err(io::Error::other(format!(
                    "{} exists and was not written by ecr-share for this user",
                    path.display()
                )));
            }
        }
        Ok(PreparedFile {
            path: path.to_path_buf(),
        })
    }

    pub fn commit(self, contents: &str) -> io::Result<Written> {
        write_private(&self.path, contents)
    }
}
