#!/usr/bin/python3
"""faultfs: a FUSE passthrough below a RegionNode's data directory, for mrk-chaos.

It does what a disk does that SIGKILL cannot show:
  - holds every write in memory until the file is fsynced, as a page cache does, so a power cut can drop what was
    never made durable (and, torn, let part of it through, in 512-byte sectors, in the order it was written);
  - stalls fsync for as long as it is told, as a disk busy with a flush does.

Usage: faultfs.py BACKING MOUNTPOINT CONTROL
CONTROL is a JSON file the harness rewrites: {"fsyncDelayMs": 0, "cut": 0, "torn": false, "seed": 0}. A cut number
greater than the last one seen drops the unsynced writes (the process above must be dead by then); the number is
written to CONTROL + ".ack" once done. Metadata (create, unlink, rename, truncate) goes to the backing folder at
once, as a journaling filesystem commits it; data reaches it only on fsync.

Debian: python3-fusepy (Debian's name for the fusepy module) and fuse3.
"""

import errno
import json
import os
import random
import sys
import threading
import time

import fusepy

SECTOR = 512


class FaultFs(fusepy.Operations):
    def __init__(self, root, control):
        self.root = os.path.realpath(root)
        self.control = control
        self.gate = threading.RLock()
        # Writes not yet fsynced, per path: (offset, bytes) in the order they came, and the size they make the file.
        self.pending = {}
        self.sizes = {}
        self.delay = 0.0
        self.cuts = 0

    def _p(self, path):
        return os.path.join(self.root, path.lstrip('/'))

    # --- faults ---

    def watch(self):
        """Reads the control file every 50 ms, in a thread of its own: a cut must not wait for the next operation."""
        seen = None
        while True:
            try:
                stat = os.stat(self.control)
                if stat.st_mtime_ns != seen:
                    seen = stat.st_mtime_ns
                    with open(self.control) as f:
                        settings = json.load(f)
                    self.delay = max(0, settings.get('fsyncDelayMs', 0)) / 1000
                    cut = settings.get('cut', 0)
                    if cut > self.cuts:
                        self.cut(settings.get('torn', False), random.Random(settings.get('seed', 0)))
                        self.cuts = cut
                        with open(self.control + '.ack.new', 'w') as f:
                            f.write(str(cut))
                        os.replace(self.control + '.ack.new', self.control + '.ack')
            except (OSError, ValueError):
                pass
            time.sleep(0.05)

    def cut(self, torn, rng):
        """Power lost: unsynced writes are gone; torn, a prefix of each file's reached the disk and the next in part."""
        with self.gate:
            for path, writes in self.pending.items():
                if not torn or not writes:
                    continue
                reached = rng.randrange(len(writes) + 1)
                fd = os.open(self._p(path), os.O_WRONLY)
                try:
                    for offset, data in writes[:reached]:
                        os.pwrite(fd, data, offset)
                    if reached < len(writes):
                        offset, data = writes[reached]
                        for start in range(0, len(data), SECTOR):
                            if rng.random() < 0.5:
                                os.pwrite(fd, data[start:start + SECTOR], offset + start)
                finally:
                    os.close(fd)
            self.pending.clear()
            self.sizes.clear()

    # --- data ---

    def _size(self, path, backing):
        return max(backing, self.sizes.get(path, 0))

    def read(self, path, size, offset, fh):
        with self.gate:
            data = bytearray(os.pread(fh, size, offset))
            writes = self.pending.get(path)
            if not writes:
                return bytes(data)
            end = min(offset + size, self._size(path, os.fstat(fh).st_size))
            if len(data) < end - offset:
                data.extend(bytes(end - offset - len(data)))
            for at, written in writes:
                lo, hi = max(at, offset), min(at + len(written), end)
                if lo < hi:
                    data[lo - offset:hi - offset] = written[lo - at:hi - at]
            return bytes(data[:max(0, end - offset)])

    def write(self, path, data, offset, fh):
        with self.gate:
            self.pending.setdefault(path, []).append((offset, bytes(data)))
            self.sizes[path] = max(self._size(path, os.fstat(fh).st_size), offset + len(data))
            return len(data)

    def _flush_pending(self, path):
        """Writes what is pending for path to the backing file and syncs it; what a full disk refuses stays pending."""
        writes = self.pending.get(path, [])
        if writes:
            fd = os.open(self._p(path), os.O_WRONLY)
            try:
                while writes:
                    offset, data = writes[0]
                    os.pwrite(fd, data, offset)
                    writes.pop(0)
                os.fsync(fd)
            finally:
                os.close(fd)
        self.pending.pop(path, None)
        self.sizes.pop(path, None)

    def fsync(self, path, datasync, fh):
        if self.delay > 0:
            time.sleep(self.delay)
        with self.gate:
            try:
                self._flush_pending(path)
            except OSError as e:
                raise fusepy.FuseOSError(e.errno)
            os.fsync(fh)
        return 0

    def fsyncdir(self, path, datasync, fh):
        return 0

    def flush(self, path, fh):
        return 0

    def release(self, path, fh):
        os.close(fh)
        return 0

    def truncate(self, path, length, fh=None):
        with self.gate:
            os.truncate(self._p(path), length)
            writes = self.pending.get(path)
            if writes is not None:
                kept = []
                for at, data in writes:
                    if at < length:
                        kept.append((at, data[:length - at]))
                self.pending[path] = kept
                self.sizes[path] = length

    # --- metadata, at once ---

    def getattr(self, path, fh=None):
        stat = os.lstat(self._p(path))
        attributes = {k: getattr(stat, k) for k in
                      ('st_atime', 'st_ctime', 'st_gid', 'st_mode', 'st_mtime', 'st_nlink', 'st_size', 'st_uid')}
        with self.gate:
            attributes['st_size'] = self._size(path, stat.st_size)
        return attributes

    def access(self, path, mode):
        if not os.access(self._p(path), mode):
            raise fusepy.FuseOSError(errno.EACCES)

    def readdir(self, path, fh):
        return ['.', '..'] + os.listdir(self._p(path))

    def open(self, path, flags):
        # Read and write whatever the caller asked: pages mapped shared (SQLite's -shm) are read through this handle.
        fd = os.open(self._p(path), (flags & ~(os.O_WRONLY | os.O_TRUNC | os.O_APPEND)) | os.O_RDWR)
        if flags & os.O_TRUNC:
            self.truncate(path, 0)
        return fd

    def create(self, path, mode, fi=None):
        return os.open(self._p(path), os.O_RDWR | os.O_CREAT, mode)

    def unlink(self, path):
        with self.gate:
            os.unlink(self._p(path))
            self.pending.pop(path, None)
            self.sizes.pop(path, None)

    def rename(self, old, new):
        with self.gate:
            os.rename(self._p(old), self._p(new))
            for table in (self.pending, self.sizes):
                if old in table:
                    table[new] = table.pop(old)
                else:
                    table.pop(new, None)

    def mkdir(self, path, mode):
        os.mkdir(self._p(path), mode)

    def rmdir(self, path):
        os.rmdir(self._p(path))

    def chmod(self, path, mode):
        os.chmod(self._p(path), mode)

    def chown(self, path, uid, gid):
        os.chown(self._p(path), uid, gid)

    def utimens(self, path, times=None):
        os.utime(self._p(path), times)

    def statfs(self, path):
        stat = os.statvfs(self._p(path))
        return {k: getattr(stat, k) for k in
                ('f_bavail', 'f_bfree', 'f_blocks', 'f_bsize', 'f_favail', 'f_ffree', 'f_files', 'f_flag', 'f_frsize',
                 'f_namemax')}


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    filesystem = FaultFs(sys.argv[1], sys.argv[3])
    threading.Thread(target=filesystem.watch, daemon=True).start()
    # No attribute caching: a file's size changes with writes the kernel has not seen land (pending ones), and
    # SQLite maps its -shm file, which must never be mapped past the size it has here.
    fusepy.FUSE(filesystem, sys.argv[2], foreground=True, nothreads=False, allow_other=True, attr_timeout=0,
                entry_timeout=0, default_permissions=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
