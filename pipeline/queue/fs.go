package queue

import (
	"io"
	"io/fs"
	"os"
)

// FS is the file system the queue writes through. OS is the real one;
// tests substitute one that fails writes with ENOSPC or EROFS, which
// running as root makes impossible to provoke with permissions.
type FS interface {
	MkdirAll(dir string) error
	// ReadDir lists the names in dir.
	ReadDir(dir string) ([]string, error)
	// Create makes a new file for writing (and reading back), failing if
	// it exists.
	Create(name string) (File, error)
	// Open opens a file for reading.
	Open(name string) (File, error)
	// OpenRW opens an existing file for reading and writing (truncating a
	// torn tail).
	OpenRW(name string) (File, error)
	Remove(name string) error
	Rename(oldName, newName string) error
	// SyncDir makes the directory's entries (created, renamed, removed
	// files) durable.
	SyncDir(dir string) error
}

// File is the part of *os.File the queue uses.
type File interface {
	io.Reader
	io.Writer
	io.Closer
	Sync() error
	Truncate(size int64) error
	Stat() (fs.FileInfo, error)
}

// OS is the operating system's file system.
type OS struct{}

// MkdirAll creates dir and its parents.
func (OS) MkdirAll(dir string) error { return os.MkdirAll(dir, 0o750) }

// ReadDir lists the names in dir.
func (OS) ReadDir(dir string) ([]string, error) {
	es, err := os.ReadDir(dir)
	names := make([]string, 0, len(es))
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names, err
}

// Create makes a new file, failing if it exists.
func (OS) Create(name string) (File, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o640)
}

// Open opens a file for reading.
func (OS) Open(name string) (File, error) { return os.Open(name) }

// OpenRW opens an existing file for reading and writing.
func (OS) OpenRW(name string) (File, error) { return os.OpenFile(name, os.O_RDWR, 0) }

// Remove removes a file.
func (OS) Remove(name string) error { return os.Remove(name) }

// Rename renames a file atomically.
func (OS) Rename(oldName, newName string) error { return os.Rename(oldName, newName) }

// SyncDir fsyncs the directory so its entries survive power loss.
func (OS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
