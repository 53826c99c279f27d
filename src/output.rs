//! Writing reports to disk.
//!
//! A report describes an organisation's weak points, so it is written readable by its owner only
//! (mode 0600 on unix), and atomically: a reader (or a crash) sees the old file or the new one,
//! never half of one.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// True for `-`, the conventional name for standard output.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Writes `contents` to `path`, or to standard output when `path` is `-`.
pub fn write_output(path: &Path, contents: &[u8]) -> io::Result<()> {
    if is_stdout(path) {
        let mut stdout = io::stdout().lock();
        stdout.write_all(contents)?;
        stdout.flush()
    } else {
        write_atomically(path, contents)
    }
}

/// Writes `contents` to `path` atomically with mode 0600 (unix).
///
/// The data goes to a temporary file in the same directory (so the final rename never crosses
/// file systems), made 0600 before any byte is written, flushed to disk, then renamed over `path`.
/// The result is 0600 even when `path` existed with another mode; a symbolic link at `path` is
/// replaced, not followed. Errors name the path involved.
pub fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let dir = parent_dir(path);
    let context = |what: &str, err: io::Error| {
        io::Error::new(err.kind(), format!("{what} {}: {err}", path.display()))
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".edgeaudit-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "cannot write {}: cannot create a temporary file in directory {}: {e}",
                    path.display(),
                    dir.display()
                ),
            )
        })?;
    restrict_permissions(temp.as_file())
        .map_err(|e| context("cannot restrict permissions for", e))?;
    temp.write_all(contents)
        .map_err(|e| context("cannot write", e))?;
    temp.as_file()
        .sync_all()
        .map_err(|e| context("cannot flush", e))?;
    temp.persist(path)
        .map_err(|e| context("cannot replace", e.error))?;
    sync_directory(dir);
    Ok(())
}

/// The directory a file lives in; `.` for a bare file name.
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

#[cfg(unix)]
fn restrict_permissions(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict_permissions(_file: &File) -> io::Result<()> {
    Ok(())
}

/// Makes the rename durable. Best effort: the data itself is already on disk.
#[cfg(unix)]
fn sync_directory(dir: &Path) {
    if let Ok(handle) = File::open(dir) {
        let _ = handle.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_directory(_dir: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn writes_the_contents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.json");
        write_atomically(&path, b"{\"a\": 1}\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"a\": 1}\n");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    }

    #[cfg(unix)]
    #[test]
    fn result_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        write_atomically(&path, b"x").unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn replaces_an_existing_file_and_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.txt");
        std::fs::write(&path, b"old contents, longer than the new ones").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn missing_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no-such-dir").join("report.json");
        let err = write_atomically(&path, b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        let message = err.to_string();
        assert!(message.contains("report.json"), "{message}");
        assert!(message.contains("no-such-dir"), "{message}");
        assert!(!path.exists());
    }

    #[test]
    fn bare_file_name_is_written_in_the_current_directory() {
        assert_eq!(parent_dir(Path::new("report.json")), Path::new("."));
        assert_eq!(parent_dir(Path::new("out/report.json")), Path::new("out"));
    }

    #[test]
    fn dash_means_stdout() {
        assert!(is_stdout(Path::new("-")));
        assert!(!is_stdout(Path::new("./-")));
        assert!(!is_stdout(Path::new("report.json")));
    }
}
