import Foundation

/// Builds hostile archives with Python's tarfile module, the way an attacker might.
/// `python3 - OUTPUT CASE` with this script on standard input writes case CASE to OUTPUT.
let hostileArchiveScript = #"""
import gzip, io, sys, tarfile

out, case = sys.argv[1], sys.argv[2]
MTIME = 1700000000

def info(name, kind=tarfile.REGTYPE, size=0, **attributes):
    member = tarfile.TarInfo(name)
    member.type, member.size, member.mtime = kind, size, MTIME
    for key, value in attributes.items():
        setattr(member, key, value)
    return member

def regular(name, data=b"x", **attributes):
    return info(name, size=len(data), **attributes), data

def special(name, kind, **attributes):
    return info(name, kind, **attributes), None

def tar(entries, format=tarfile.PAX_FORMAT):
    with tarfile.open(out, "w", format=format, encoding="utf-8", errors="surrogateescape") as archive:
        for member, data in entries:
            archive.addfile(member, io.BytesIO(data) if data is not None else None)

def raw(chunks):
    with open(out, "wb") as file:
        for chunk in chunks:
            file.write(chunk)

def with_mode(member, mode):
    # A ustar header whose mode field carries file type bits, as some writers emit.
    block = bytearray(member.tobuf(tarfile.USTAR_FORMAT))
    block[100:108] = b"%07o\0" % mode
    block[148:156] = b" " * 8
    block[148:156] = b"%06o\0 " % sum(block[:512])
    return bytes(block)

def special_header_chain():
    # Thousands of pax global headers in a row: metadata that never reaches a member.
    record = b"17 comment=hello\n"
    header = info("GlobalHead", tarfile.XGLTYPE, size=len(record)).tobuf(tarfile.USTAR_FORMAT)
    chain = (header + record + bytes(512 - len(record))) * 5000
    raw([chain] + [info("real", size=0).tobuf(tarfile.USTAR_FORMAT), bytes(1024)])

def gzip_bomb():
    # A tar header claiming 2 GiB, then 2 GiB of zeros as concatenated gzip members,
    # each inflating 64 MiB; the zeros never exist uncompressed anywhere.
    header = info("zeros", size=2 << 30).tobuf(tarfile.USTAR_FORMAT)
    zeros = gzip.compress(bytes(64 << 20), compresslevel=9, mtime=0)
    raw([gzip.compress(header, mtime=0)] + [zeros] * 32 + [gzip.compress(bytes(1024), mtime=0)])

cases = {
    "parent": lambda: tar([regular("../evil")]),
    "absolute": lambda: tar([regular("/etc/evil")]),
    "inner-parent": lambda: tar([regular("a/../../evil")]),
    "dot-segment": lambda: tar([regular("a/./b")]),
    "leading-dot": lambda: tar([regular("./a")]),
    "empty-segment": lambda: tar([regular("a//b")]),
    "backslash": lambda: tar([regular("a\\..\\evil")]),
    "newline": lambda: tar([regular("a\nb")]),
    "escape-sequence": lambda: tar([regular("a\x1b[2Jb")]),
    "non-utf8-gnu": lambda: tar([regular("bad\udcff.txt")], format=tarfile.GNU_FORMAT),
    "non-utf8-pax": lambda: tar([regular("bad\udcff.txt")]),
    "pax-path-override": lambda: tar([regular("benign.txt", pax_headers={"path": "../evil"})]),
    "long-path": lambda: tar([regular("d/" * 150 + "f")]),
    "symlink": lambda: tar([special("link", tarfile.SYMTYPE, linkname="/etc/passwd")]),
    "hardlink": lambda: tar([regular("target"), special("link", tarfile.LNKTYPE, linkname="target")]),
    "hardlink-regular-mode": lambda: raw([with_mode(info("link", tarfile.LNKTYPE, linkname="x"), 0o100644), bytes(1024)]),
    "directory": lambda: tar([special("dir", tarfile.DIRTYPE, mode=0o755)]),
    "fifo": lambda: tar([special("fifo", tarfile.FIFOTYPE)]),
    "character-device": lambda: tar([special("null", tarfile.CHRTYPE, devmajor=1, devminor=3)]),
    "block-device": lambda: tar([special("sda", tarfile.BLKTYPE, devmajor=8, devminor=0)]),
    "duplicate": lambda: tar([regular("same", b"1"), regular("same", b"2")]),
    "canonical-duplicate": lambda: tar([regular("caf\u00e9"), regular("cafe\u0301")]),
    "file-then-directory": lambda: tar([regular("a"), regular("a/b")]),
    "directory-then-file": lambda: tar([regular("a/b"), regular("a")]),
    # The header claims 2 MiB, but no data follows: refusing it must not need the data.
    "oversized-member": lambda: raw([info("big", size=2 << 20).tobuf(tarfile.PAX_FORMAT)]),
    "many-members": lambda: tar([regular("m%d" % i) for i in range(10)]),
    "oversized-pax-header": lambda: tar([regular("x", pax_headers={"comment": "c" * (4 << 20)})]),
    "special-header-chain": special_header_chain,
    "gzip-bomb": gzip_bomb,
}
cases[case]()
"""#
