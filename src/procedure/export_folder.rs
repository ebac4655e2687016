//! Writing an export's files into their folder: the same for `curated export` and
//! the wizard's Manage screen. The folder is checked first (never a symbolic link,
//! never something else than a folder, one that holds files only when the operator
//! said so), then every file is opened before any is written, so a refusal leaves
//! the folder as it was. Scripts are 0755 and documents 0644 (before the umask); no
//! file is written through a symbolic link.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::files::{FileRefusal, PreparedFile, Privacy, Replace};

use super::export::{ExportFile, ExportKind};

/// Why an export was not written. Nothing was written in any case.
#[derive(Debug)]
pub enum ExportRefusal {
    /// The folder is a symbolic link.
    Symlink(PathBuf),
    /// Something that is not a folder is there.
    NotAFolder(PathBuf),
    /// The folder holds files, and replacing the export's files in it was not asked.
    HoldsFiles(PathBuf),
    /// The folder cannot be read or created.
    Folder { path: PathBuf, error: String },
    /// A file of the export cannot be written there.
    File(FileRefusal),
}

impl fmt::Display for ExportRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportRefusal::Symlink(path) => write!(
                f,
                "{} is a symbolic link; ecr-share never writes through one: name the folder itself",
                path.display()
            ),
            ExportRefusal::NotAFolder(path) => {
                write!(f, "{} exists and is not a folder", path.display())
            }
            ExportRefusal::HoldsFiles(path) => {
                write!(f, "{} already holds files", path.display())
            }
            ExportRefusal::Folder { path, error } => {
                write!(f, "{} cannot be used: {error}", path.display())
            }
            ExportRefusal::File(refusal) => write!(f, "{refusal}"),
        }
    }
}

/// Whether the export may be written into `out`: a folder that does not exist yet
/// (it is created), an empty one, or one that holds files when `replace` says the
/// export's files in it may be replaced.
pub fn check_folder(out: &Path, replace: bool) -> Result<(), ExportRefusal> {
    let metadata = match std::fs::symlink_metadata(out) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            return Err(ExportRefusal::Folder {
                path: out.to_path_buf(),
                error: error.to_string(),
            });
        }
    };
    if metadata.file_type().is_symlink() {
        return Err(ExportRefusal::Symlink(out.to_path_buf()));
    }
    if !metadata.is_dir() {
        return Err(ExportRefusal::NotAFolder(out.to_path_buf()));
    }
    let mut entries = std::fs::read_dir(out).map_err(|error| ExportRefusal::Folder {
        path: out.to_path_buf(),
        error: error.to_string(),
    })?;
    if entries.next().is_some() && !replace {
        return Err(ExportRefusal::HoldsFiles(out.to_path_buf()));
    }
    Ok(())
}

/// Creates the folder if missing and writes every file. All are checked and opened
/// first, so a refusal leaves the folder as it was; `replace` lets the export's own
/// files in it be replaced (the others are left alone).
pub fn write_export(out: &Path, files: &[ExportFile], replace: bool) -> Result<(), ExportRefusal> {
    check_folder(out, replace)?;
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(out)
        .map_err(|error| ExportRefusal::Folder {
            path: out.to_path_buf(),
            error: format!("it cannot be created: {error}"),
        })?;
    // Checked again now that it exists: it may have been replaced meanwhile.
    check_folder(out, true)?;
    let mode = if replace {
        Replace::Always
    } else {
        Replace::Never
    };
    let mut prepared = Vec::with_capacity(files.len());
    for file in files {
        let privacy = match file.kind {
            ExportKind::Script => Privacy::Executable,
            ExportKind::Document => Privacy::Shared,
        };
        let ready = PreparedFile::prepare_with(&out.join(file.name), mode, privacy)
            .map_err(ExportRefusal::File)?;
        prepared.push((ready, file));
    }
    for (ready, file) in prepared {
        let path = ready.path().to_path_buf();
        ready
            .commit(&file.contents)
            .map_err(|error| ExportRefusal::Folder {
                path,
                error: format!("it could not be written: {error}"),
            })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &'static str, contents: &str) -> ExportFile {
        ExportFile {
            name,
            kind: ExportKind::Document,
            about: "a document",
            contents: contents.to_string(),
        }
    }

    #[test]
    fn a_folder_with_files_is_refused_unless_replacing_is_asked_and_others_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("review");
        write_export(&out, &[file("a.json", "{}")], false).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.json")).unwrap(), "{}");
        std::fs::write(out.join("notes"), "mine").unwrap();
        match write_export(&out, &[file("a.json", "[]")], false) {
            Err(ExportRefusal::HoldsFiles(path)) => assert_eq!(path, out),
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read_to_string(out.join("a.json")).unwrap(), "{}");
        write_export(&out, &[file("a.json", "[]")], true).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("a.json")).unwrap(), "[]");
        assert_eq!(std::fs::read_to_string(out.join("notes")).unwrap(), "mine");
    }

    #[test]
    fn a_link_or_a_file_in_place_of_the_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        assert!(matches!(
            write_export(&link, &[file("a.json", "{}")], true),
            Err(ExportRefusal::Symlink(_))
        ));
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "x").unwrap();
        let refused = write_export(&plain, &[file("a.json", "{}")], true).unwrap_err();
        assert!(refused.to_string().contains("is not a folder"), "{refused}");
        assert!(!dir.path().join("a.json").exists());
    }
}
