//! Writing documents to files, safely.
//!
//! Every write goes through [`PreparedFile`]: the target is checked first (never a
//! symbolic link, never a folder, never a file someone else wrote unless the operator
//! said so), a temporary file with an unpredictable name is created in the same folder
//! (`O_EXCL`, mode 0600 for private files), and only then are the contents written,
//! synced and renamed over the target in one step. A rename replaces a directory
//! entry; it never writes through a link to another file.
//!
//! Preparing comes first so that a secret is never created before its home is ready:
//! the `curated` command prepares the config file, then creates the access key, and
//! the only thing left to fail after that is the write itself.
//!
//! - [`PreparedFile::prepare`]: check a target and open its temporary file.
//! - [`write_document`]: the wizard's saves.
//! - [`write_private`]: a file that holds a secret, replaced when it differs.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use base64::Engine;

/// Who may read a written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privacy {
    /// Owner only (0600): config files and manifests with keys.
    Private,
    /// The usual mode (0644 before the umask): policies and commands.
    Shared,
    /// A script to run (0755 before the umask): the exported apply.sh and teardown.sh.
    Executable,
}

impl Privacy {
    #[cfg(unix)]
    fn mode(self) -> u32 {
        match self {
            Privacy::Private => 0o600,
            Privacy::Shared => 0o644,
            Privacy::Executable => 0o755,
        }
    }
}

/// What `write_private` and [`PreparedFile::commit`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The file now holds the new contents.
    Created,
    /// The file already held exactly these contents (its mode is put right all the
    /// same).
    Unchanged,
}

/// Whether an existing file at the target may be replaced.
#[derive(Clone, Copy)]
pub enum Replace<'a> {
    /// Never: an existing file is refused.
    Never,
    /// Only a file this tool wrote for the same purpose, as the function recognises
    /// from its text (for example a config file with the user's `[profile <user>]`
    /// section, see [`is_config_for_user`]). A file that is not text is not ours.
    /// `Sync`, so that work holding one across an AWS call can run on any thread.
    IfOurs(&'a (dyn Fn(&str) -> bool + Sync)),
    /// Always: the operator said so (`--overwrite`, or yes to a question).
    Always,
}

impl fmt::Debug for Replace<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Replace::Never => "Never",
            Replace::IfOurs(_) => "IfOurs(..)",
            Replace::Always => "Always",
        })
    }
}

/// Why a path is not written. Each message names the path and the way out.
#[derive(Debug, thiserror::Error)]
pub enum FileRefusal {
    #[error("{} does not name a file; give a file name", .path.display())]
    NotAName { path: PathBuf },
    #[error(
        "{} is a symbolic link; ecr-share never writes through a link: give the path of a real file",
        .path.display()
    )]
    Symlink { path: PathBuf },
    #[error("{} is a folder; name a file in it", .path.display())]
    Folder { path: PathBuf },
    #[error(
        "{} exists and is not a regular file; choose another path",
        .path.display()
    )]
    NotAFile { path: PathBuf },
    #[error(
        "the folder {} of {} does not exist; create it first, or choose another path",
        .folder.display(),
        .path.display()
    )]
    NoFolder { path: PathBuf, folder: PathBuf },
    #[error(
        "{} exists; pass --overwrite to replace it, or choose another path",
        .path.display()
    )]
    Exists { path: PathBuf },
    #[error(
        "{} exists and was not written by ecr-share for this user; pass --overwrite to replace it, or choose another path",
        .path.display()
    )]
    Foreign { path: PathBuf },
    #[error(
        "{} exists and the document still has placeholders such as <ROLE_ARN>; fill in every value first, or save it under a new name",
        .path.display()
    )]
    Placeholders { path: PathBuf },
    #[error("{} cannot be written: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl FileRefusal {
    /// The path the refusal is about (for `NoFolder`, the file, not its folder).
    pub fn path(&self) -> &Path {
        match self {
            FileRefusal::NotAName { path }
            | FileRefusal::Symlink { path }
            | FileRefusal::Folder { path }
            | FileRefusal::NotAFile { path }
            | FileRefusal::NoFolder { path, .. }
            | FileRefusal::Exists { path }
            | FileRefusal::Foreign { path }
            | FileRefusal::Placeholders { path }
            | FileRefusal::Io { path, .. } => path,
        }
    }

    /// The closest `io::ErrorKind`: `AlreadyExists` for a file that may not be
    /// replaced, so callers that ask "replace it?" can tell.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            FileRefusal::Exists { .. } | FileRefusal::Foreign { .. } => {
                io::ErrorKind::AlreadyExists
            }
            FileRefusal::Folder { .. } => io::ErrorKind::IsADirectory,
            FileRefusal::NoFolder { .. } => io::ErrorKind::NotFound,
            FileRefusal::Io { source, .. } => source.kind(),
            FileRefusal::NotAName { .. }
            | FileRefusal::Symlink { .. }
            | FileRefusal::NotAFile { .. }
            | FileRefusal::Placeholders { .. } => io::ErrorKind::InvalidInput,
        }
    }
}

/// The refusal as an `io::Error` of the closest kind, whose message is the refusal's
/// (`error.get_ref()` downcasts to `FileRefusal`).
impl From<FileRefusal> for io::Error {
    fn from(refusal: FileRefusal) -> Self {
        io::Error::new(refusal.kind(), refusal)
    }
}

/// A target that passed its checks, and the temporary file its contents go to.
///
/// Dropping it without [`commit`](Self::commit) removes the temporary file and leaves
/// the target as it was.
pub struct PreparedFile {
    path: PathBuf,
    temporary: tempfile::NamedTempFile,
    /// Whether the target may be replaced at commit; when not, the rename refuses a
    /// file that appeared in the meantime.
    may_replace: bool,
}

impl fmt::Debug for PreparedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedFile")
            .field("path", &self.path)
            .field("temporary", &self.temporary.path())
            .field("may_replace", &self.may_replace)
            .finish()
    }
}

/// Why [`PreparedFile::commit_or_keep`] did not put the contents at the target.
#[derive(Debug, thiserror::Error)]
#[error("{} was not written: {error}{}", .path.display(), kept_note(.kept.as_deref()))]
pub struct NotCommitted {
    pub path: PathBuf,
    pub error: io::Error,
    /// Where the complete contents were kept instead (mode as prepared), when they
    /// had been written in full before the failure.
    pub kept: Option<PathBuf>,
}

fn kept_note(kept: Option<&Path>) -> String {
    kept.map(|k| format!("; the contents are kept in {}", k.display()))
        .unwrap_or_default()
}

impl PreparedFile {
    /// Checks `path` and creates the temporary file for a private file (0600).
    pub fn prepare(path: &Path, replace: Replace<'_>) -> Result<PreparedFile, FileRefusal> {
        Self::prepare_with(path, replace, Privacy::Private)
    }

    /// Checks `path` and creates its temporary file, with the mode `privacy` gives.
    ///
    /// Refuses a path that names no file, a symbolic link (never followed), a folder,
    /// anything but a regular file, a file whose folder does not exist, and an
    /// existing file that `replace` does not allow. The temporary file is created now,
    /// so a folder that cannot be written is found before anything else happens.
    pub fn prepare_with(
        path: &Path,
        replace: Replace<'_>,
        privacy: Privacy,
    ) -> Result<PreparedFile, FileRefusal> {
        let owned = || path.to_path_buf();
        let Some(name) = path.file_name() else {
            return Err(FileRefusal::NotAName { path: owned() });
        };
        if ends_with_separator(path) {
            return Err(FileRefusal::Folder { path: owned() });
        }
        let folder = folder_of(path);
        match std::fs::metadata(folder) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(FileRefusal::NoFolder {
                    path: owned(),
                    folder: folder.to_path_buf(),
                });
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(FileRefusal::NoFolder {
                    path: owned(),
                    folder: folder.to_path_buf(),
                });
            }
            Err(source) => {
                return Err(FileRefusal::Io {
                    path: owned(),
                    source,
                });
            }
        }
        let exists = match existing(path)? {
            None => false,
            Some(_) => {
                match replace {
                    Replace::Never => return Err(FileRefusal::Exists { path: owned() }),
                    Replace::Always => {}
                    Replace::IfOurs(ours) => {
                        let text = read_no_follow(path)
                            .map_err(|source| FileRefusal::Io {
                                path: owned(),
                                source,
                            })?
                            .and_then(|bytes| String::from_utf8(bytes).ok());
                        if !text.is_some_and(|text| ours(&text)) {
                            return Err(FileRefusal::Foreign { path: owned() });
                        }
                    }
                }
                true
            }
        };
        let mut builder = tempfile::Builder::new();
        let prefix = format!(".{}.", name.to_string_lossy());
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(privacy.mode()));
        }
        #[cfg(not(unix))]
        let _ = privacy;
        let temporary = builder
            .tempfile_in(folder)
            .map_err(|source| FileRefusal::Io {
                path: owned(),
                source,
            })?;
        Ok(PreparedFile {
            path: owned(),
            temporary,
            may_replace: exists || matches!(replace, Replace::Always),
        })
    }

    /// The target.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file the contents are written to before the rename.
    pub fn temporary_path(&self) -> &Path {
        self.temporary.path()
    }

    /// Writes `contents`, syncs them to disk and renames the temporary file over the
    /// target. On failure the temporary file is removed and the target is as it was.
    ///
    /// A target that became a symbolic link or a folder since `prepare` is refused; one
    /// that appeared since, when replacing was not allowed, is refused as
    /// `AlreadyExists`.
    pub fn commit(self, contents: &str) -> io::Result<Written> {
        self.commit_or_keep(contents).map_err(|not| {
            if let Some(kept) = &not.kept {
                let _ = std::fs::remove_file(kept);
            }
            not.error
        })
    }

    /// As [`commit`](Self::commit), but when the contents were written in full and
    /// only the rename failed, the temporary file is kept and named in the error, so a
    /// secret that cannot be asked for again is not lost.
    pub fn commit_or_keep(self, contents: &str) -> Result<Written, NotCommitted> {
        let PreparedFile {
            path,
            mut temporary,
            may_replace,
        } = self;
        let written = temporary
            .as_file_mut()
            .write_all(contents.as_bytes())
            .and_then(|()| temporary.as_file().sync_all());
        if let Err(error) = written {
            return Err(NotCommitted {
                path,
                error,
                kept: None,
            });
        }
        let keep = |temporary: tempfile::NamedTempFile, error: io::Error, path: PathBuf| {
            let kept = temporary.keep().ok().map(|(_, kept)| kept);
            NotCommitted { path, error, kept }
        };
        // Checked again just before the rename: the target may have changed since
        // `prepare`. The rename itself never writes through a link.
        let unchanged = match existing(&path) {
            Err(refusal) => {
                let error = io::Error::from(refusal);
                return Err(keep(temporary, error, path));
            }
            Ok(Some(_)) => read_no_follow(&path)
                .ok()
                .flatten()
                .is_some_and(|old| old == contents.as_bytes()),
            Ok(None) => false,
        };
        let renamed = if may_replace {
            temporary.persist(&path)
        } else {
            temporary.persist_noclobber(&path)
        };
        match renamed {
            Ok(_) => {
                sync_folder(folder_of(&path));
                Ok(if unchanged {
                    Written::Unchanged
                } else {
                    Written::Created
                })
            }
            Err(failed) => {
                let error = if failed.error.kind() == io::ErrorKind::AlreadyExists {
                    FileRefusal::Exists { path: path.clone() }.into()
                } else {
                    failed.error
                };
                Err(keep(failed.file, error, path))
            }
        }
    }
}

/// Refuses to save a document that still has placeholders over an existing file: it
/// would replace something real with something unfinished. A new file is fine.
pub fn refuse_placeholders_over_existing(path: &Path, contents: &str) -> Result<(), FileRefusal> {
    if crate::core::documents::has_placeholder(contents) && path.symlink_metadata().is_ok() {
        return Err(FileRefusal::Placeholders {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// Writes `contents` to `path`: a new file, or with `overwrite` a replaced one, put in
/// place by a rename from a temporary file. Without `overwrite` an existing file is
/// left alone and the error kind is `AlreadyExists`. A symbolic link or a folder is
/// refused (the error's inner value is the [`FileRefusal`]). A private file is 0600
/// even when the file it replaces was wider.
pub fn write_document(
    path: &Path,
    contents: &str,
    privacy: Privacy,
    overwrite: bool,
) -> io::Result<()> {
    let replace = if overwrite {
        Replace::Always
    } else {
        Replace::Never
    };
    PreparedFile::prepare_with(path, replace, privacy)?
        .commit(contents)
        .map(|_| ())
}

/// Replaces a file that holds a secret, whatever it held before (but never through a
/// symbolic link): created 0600 under a temporary name in the same folder and renamed
/// over the target. `Unchanged` when it already held these contents.
pub fn write_private(path: &Path, content: &str) -> io::Result<Written> {
    PreparedFile::prepare(path, Replace::Always)?.commit(content)
}

/// Whether `text` is an AWS config file this tool wrote for `user`: a
/// `[profile <user>]` section with an access key, and a `[default]` profile whose
/// `source_profile` is that user.
pub fn is_config_for_user(user: &str, text: &str) -> bool {
    let header = format!("[profile {user}]");
    let mut section = "";
    let (mut sourced, mut keyed) = (false, false);
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match (section, key.trim()) {
            ("[default]", "source_profile") => sourced |= value.trim() == user,
            (s, "aws_access_key_id") if s == header => keyed = true,
            _ => {}
        }
    }
    sourced && keyed
}

/// Whether `text` is the `aws-secret` manifest this tool wrote for `user`: the
/// Secret in `eksa-packages` whose `config` is a config file for that user.
pub fn is_secret_manifest_for_user(user: &str, text: &str) -> bool {
    use crate::core::documents::{PACKAGES_NAMESPACE, PACKAGES_SECRET};
    let has = |wanted: &str| text.lines().any(|line| line.trim() == wanted);
    if !(has("kind: Secret")
        && has(&format!("name: {PACKAGES_SECRET}"))
        && has(&format!("namespace: {PACKAGES_NAMESPACE}")))
    {
        return false;
    }
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("config:"))
        .filter_map(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
        })
        .filter_map(|bytes| String::from_utf8(bytes).ok())
        .any(|config| is_config_for_user(user, &config))
}

/// The folder a file is created in: its parent, or `.` for a bare name.
/// A path as typed, with a leading `~` or `~/` standing for the home folder (as a
/// shell reads it). `~user` and a `~` further in are left as they are. An error
/// says why `~` cannot be expanded when no home folder is known.
pub fn expand_home(typed: &str, home: Option<&Path>) -> Result<PathBuf, String> {
    let rest = match typed.strip_prefix('~') {
        Some("") => "",
        Some(rest) if rest.starts_with('/') => rest.trim_start_matches('/'),
        _ => return Ok(PathBuf::from(typed)),
    };
    match home {
        Some(home) if !home.as_os_str().is_empty() => Ok(if rest.is_empty() {
            home.to_path_buf()
        } else {
            home.join(rest)
        }),
        _ => Err(format!(
            "{typed} starts with ~, but no home folder is known (HOME is not set): give the whole path"
        )),
    }
}

/// The operator's home folder, for [`expand_home`].
pub fn home_folder() -> Option<PathBuf> {
    std::env::home_dir()
}

/// Creates a folder and any missing parents, readable by the owner only (0700).
pub fn create_private_folder(folder: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(folder)
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

#[cfg(unix)]
fn ends_with_separator(path: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().ends_with(b"/")
}

#[cfg(not(unix))]
fn ends_with_separator(path: &Path) -> bool {
    path.to_string_lossy().ends_with(['/', '\\'])
}

/// What is at `path` now, without following a link: nothing, or a regular file;
/// anything else is refused.
fn existing(path: &Path) -> Result<Option<Metadata>, FileRefusal> {
    let owned = || path.to_path_buf();
    match std::fs::symlink_metadata(path) {
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(FileRefusal::Io {
            path: owned(),
            source,
        }),
        Ok(meta) if meta.file_type().is_symlink() => Err(FileRefusal::Symlink { path: owned() }),
        Ok(meta) if meta.is_dir() => Err(FileRefusal::Folder { path: owned() }),
        Ok(meta) if !meta.is_file() => Err(FileRefusal::NotAFile { path: owned() }),
        Ok(meta) => Ok(Some(meta)),
    }
}

/// The largest existing file read to recognise it or compare it; a bigger one is
/// neither ours nor unchanged.
const READ_LIMIT: u64 = 1 << 20;

/// Reads a regular file without following a link (`O_NOFOLLOW`, and no waiting on a
/// FIFO put there in the meantime). `None` when it is larger than the limit.
fn read_no_follow(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(io::Error::from(FileRefusal::NotAFile {
            path: path.to_path_buf(),
        }));
    }
    let mut bytes = Vec::new();
    file.take(READ_LIMIT + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= READ_LIMIT).then_some(bytes))
}

/// Makes the rename itself durable; a folder that cannot be synced is no reason to
/// fail a write that has happened.
fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = File::open(folder) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = folder;
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_leading_tilde_is_the_home_folder() {
        let home = Path::new("/home/op");
        assert_eq!(
            expand_home("~/cfg/x.json", Some(home)).unwrap(),
            Path::new("/home/op/cfg/x.json")
        );
        assert_eq!(expand_home("~", Some(home)).unwrap(), home);
        for kept in ["./~/x", "~op/x", "a~/x", "x.json"] {
            assert_eq!(expand_home(kept, Some(home)).unwrap(), Path::new(kept));
        }
        let refused = expand_home("~/x", None).unwrap_err();
        assert!(refused.contains("no home folder"), "{refused}");
    }

    #[test]
    fn created_folders_are_0700_with_their_parents() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("a/b");
        create_private_folder(&folder).unwrap();
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&dir.path().join("a")), 0o700);
        // Creating it again is no error.
        create_private_folder(&folder).unwrap();
    }

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
        assert_eq!(mode(&path), 0o600);

        let fresh = dir.path().join("fresh");
        write_document(&fresh, "x", Privacy::Private, false).unwrap();
        assert_eq!(mode(&fresh), 0o600);
        assert_eq!(entries(dir.path()), ["config", "fresh"]);
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
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            write_private(&path, "new").unwrap(),
            Written::Unchanged
        ));
        assert_eq!(mode(&path), 0o600, "an unchanged file is narrowed too");
        assert_eq!(entries(dir.path()), ["config"], "no temporary file is left");
    }

    #[test]
    fn a_symbolic_link_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("someone-elses");
        std::fs::write(&target, "theirs").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("config");
        std::os::unix::fs::symlink(&target, &link).unwrap();

        for replace in [Replace::Never, Replace::IfOurs(&|_| true), Replace::Always] {
            let refusal = PreparedFile::prepare(&link, replace).unwrap_err();
            assert!(
                matches!(refusal, FileRefusal::Symlink { .. }),
                "{replace:?}: {refusal}"
            );
            assert!(refusal.to_string().contains("symbolic link"), "{refusal}");
        }
        for overwrite in [false, true] {
            let error = write_document(&link, "secret", Privacy::Private, overwrite).unwrap_err();
            assert!(error.to_string().contains("symbolic link"), "{error}");
        }
        assert!(write_private(&link, "secret").is_err());
        // A dangling link is no better: following it would create a file elsewhere.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(write_document(&dangling, "secret", Privacy::Private, true).is_err());
        assert!(!dir.path().join("nowhere").exists());

        assert_eq!(std::fs::read_to_string(&target).unwrap(), "theirs");
        assert_eq!(mode(&target), 0o644);
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(entries(dir.path()), ["config", "dangling", "someone-elses"]);
    }

    #[test]
    fn a_folder_or_a_missing_folder_is_refused_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let error = write_document(dir.path(), "x", Privacy::Shared, true).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::IsADirectory);
        assert!(error.to_string().contains("is a folder"), "{error}");

        let slash = PathBuf::from(format!("{}/new/", dir.path().display()));
        let refusal = PreparedFile::prepare(&slash, Replace::Always).unwrap_err();
        assert!(matches!(refusal, FileRefusal::Folder { .. }), "{refusal}");

        let missing = dir.path().join("missing").join("config");
        let refusal = PreparedFile::prepare(&missing, Replace::Always).unwrap_err();
        assert!(matches!(refusal, FileRefusal::NoFolder { .. }), "{refusal}");
        assert!(refusal.to_string().contains("does not exist"), "{refusal}");

        let refusal = PreparedFile::prepare(Path::new(""), Replace::Always).unwrap_err();
        assert!(matches!(refusal, FileRefusal::NotAName { .. }), "{refusal}");
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn an_existing_foreign_file_is_refused_unless_always() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "[profile mine]\nregion=eu-west-1\n").unwrap();
        let refusal = PreparedFile::prepare(&path, Replace::Never).unwrap_err();
        assert!(matches!(refusal, FileRefusal::Exists { .. }), "{refusal}");
        assert_eq!(refusal.kind(), io::ErrorKind::AlreadyExists);
        let ours = |text: &str| is_config_for_user("curated-packages-user", text);
        let refusal = PreparedFile::prepare(&path, Replace::IfOurs(&ours)).unwrap_err();
        assert!(matches!(refusal, FileRefusal::Foreign { .. }), "{refusal}");
        assert_eq!(
            refusal.to_string(),
            format!(
                "{} exists and was not written by ecr-share for this user; pass --overwrite to replace it, or choose another path",
                path.display()
            )
        );
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[profile mine]\nregion=eu-west-1\n"
        );
        assert_eq!(entries(dir.path()), ["config"]);

        let prepared = PreparedFile::prepare(&path, Replace::Always).unwrap();
        assert_eq!(prepared.commit("replaced").unwrap(), Written::Created);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "replaced");
    }

    #[test]
    fn if_ours_accepts_a_recognised_file_and_refuses_another() {
        let dir = tempfile::tempdir().unwrap();
        let user = "curated-packages-user";
        let ours = |text: &str| is_config_for_user(user, text);
        let written = "[default]\nsource_profile=curated-packages-user\nrole_arn=arn:aws:iam::111111111111:role/r\nregion=us-west-2\n\n[profile curated-packages-user]\naws_access_key_id=AKIAOLD\naws_secret_access_key=old\n";
        let path = dir.path().join("eksa-aws-config");
        std::fs::write(&path, written).unwrap();
        let prepared = PreparedFile::prepare(&path, Replace::IfOurs(&ours)).unwrap();
        assert_eq!(prepared.path(), path);
        assert_eq!(prepared.commit("new").unwrap(), Written::Created);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");

        // The same file written for another user is not ours.
        let other = written.replace("curated-packages-user", "someone-else");
        std::fs::write(&path, &other).unwrap();
        let refusal = PreparedFile::prepare(&path, Replace::IfOurs(&ours)).unwrap_err();
        assert!(matches!(refusal, FileRefusal::Foreign { .. }), "{refusal}");
        // Nor is a file that is not text.
        std::fs::write(&path, [0xff, 0xfe, 0x00]).unwrap();
        assert!(PreparedFile::prepare(&path, Replace::IfOurs(&|_| true)).is_err());
        // A path with nothing there is fine.
        let fresh = dir.path().join("fresh");
        let prepared = PreparedFile::prepare(&fresh, Replace::IfOurs(&ours)).unwrap();
        assert_eq!(prepared.commit(written).unwrap(), Written::Created);
        assert_eq!(mode(&fresh), 0o600);
    }

    #[test]
    fn the_manifest_is_recognised_by_the_user_in_its_config() {
        let config = "[default]\nsource_profile=u\nrole_arn=r\nregion=x\n\n[profile u]\naws_access_key_id=A\naws_secret_access_key=s\n";
        let manifest = crate::core::documents::aws_secret_manifest(config);
        assert!(is_secret_manifest_for_user("u", &manifest));
        assert!(!is_secret_manifest_for_user("v", &manifest));
        assert!(!is_secret_manifest_for_user("u", config));
        assert!(!is_config_for_user("u", "[profile u]\nregion=x\n"));
    }

    #[test]
    fn the_temporary_file_exists_from_prepare_0600_with_an_unpredictable_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let first = PreparedFile::prepare(&path, Replace::Never).unwrap();
        let second = PreparedFile::prepare(&path, Replace::Never).unwrap();
        for prepared in [&first, &second] {
            let temporary = prepared.temporary_path();
            assert_eq!(temporary.parent(), Some(dir.path()), "in the same folder");
            assert!(std::fs::symlink_metadata(temporary).unwrap().is_file());
            assert_eq!(mode(temporary), 0o600);
            let name = temporary.file_name().unwrap().to_string_lossy();
            assert!(name.starts_with(".config."), "{name}");
            assert!(
                !name.contains(&std::process::id().to_string()),
                "the name does not hold the process id: {name}"
            );
        }
        assert_ne!(first.temporary_path(), second.temporary_path());
        assert!(!path.exists(), "the target is not created before commit");
    }

    #[test]
    fn a_shared_document_gets_the_usual_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        let prepared = PreparedFile::prepare_with(&path, Replace::Never, Privacy::Shared).unwrap();
        prepared.commit("{}\n").unwrap();
        let mode = mode(&path);
        assert_eq!(mode & 0o600, 0o600);
        assert_eq!(mode & !0o644, 0, "never wider than 0644: {mode:o}");
    }

    #[test]
    fn a_dropped_prepared_file_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let prepared = PreparedFile::prepare(&path, Replace::Never).unwrap();
        let temporary = prepared.temporary_path().to_path_buf();
        assert!(temporary.exists());
        drop(prepared);
        assert!(!temporary.exists());
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn commit_gives_0600_even_over_a_0644_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let prepared = PreparedFile::prepare(&path, Replace::Always).unwrap();
        assert_eq!(prepared.commit("secret").unwrap(), Written::Created);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "secret");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(entries(dir.path()), ["config"]);
    }

    #[test]
    fn a_file_that_appears_after_prepare_is_not_clobbered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let prepared = PreparedFile::prepare(&path, Replace::Never).unwrap();
        std::fs::write(&path, "someone else's").unwrap();
        let error = prepared.commit("mine").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "someone else's");
        assert_eq!(entries(dir.path()), ["config"]);
    }

    #[test]
    fn a_link_put_in_place_after_prepare_is_refused_and_the_contents_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let target = dir.path().join("target");
        std::fs::write(&target, "theirs").unwrap();
        let prepared = PreparedFile::prepare(&path, Replace::Always).unwrap();
        std::os::unix::fs::symlink(&target, &path).unwrap();
        let not = prepared.commit_or_keep("secret").unwrap_err();
        assert!(not.to_string().contains("symbolic link"), "{not}");
        let kept = not.kept.clone().expect("the contents are kept");
        assert!(
            not.to_string().contains(&kept.display().to_string()),
            "{not}"
        );
        assert_eq!(std::fs::read_to_string(&kept).unwrap(), "secret");
        assert_eq!(mode(&kept), 0o600);
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "theirs");
        assert!(std::fs::symlink_metadata(&path).unwrap().is_symlink());
    }

    #[test]
    fn write_document_replaces_atomically_with_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        std::fs::write(&path, "old").unwrap();
        // A second name for the old file: replacing in place would change it too.
        let other_name = dir.path().join("hard-link");
        std::fs::hard_link(&path, &other_name).unwrap();
        write_document(&path, "new", Privacy::Private, true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(&other_name).unwrap(), "old");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(entries(dir.path()), ["hard-link", "policy.json"]);
    }

    #[test]
    fn placeholders_are_not_saved_over_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("policy.json");
        let unfinished = "{\"Principal\": \"arn:aws:iam::<DESTINATION_ACCOUNT_ID>:root\"}";
        refuse_placeholders_over_existing(&path, unfinished).unwrap();
        std::fs::write(&path, "real").unwrap();
        let refusal = refuse_placeholders_over_existing(&path, unfinished).unwrap_err();
        assert!(
            matches!(refusal, FileRefusal::Placeholders { .. }),
            "{refusal}"
        );
        assert!(refusal.to_string().contains("placeholders"), "{refusal}");
        refuse_placeholders_over_existing(&path, "{\"Principal\": \"*\"}").unwrap();
    }
}
