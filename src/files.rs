//! Writing documents to files. A file that may hold a secret is created with mode
//! 0600 from the start, so it is never readable by others, not even for a moment.

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
}
