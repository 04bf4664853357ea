// A minimal POSIX ustar (tar) writer and reader: the container of an export, so that the
// stock `tar` can unpack it and each member is a plain file (the events a plain Cap'n Proto
// stream). Regular files only; members up to 8 GiB (the 11 octal digits of ustar's size).
//
// Thread-safety: one thread per writer or reader.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>

#include "ledger/status.h"

namespace caseledger::ledger::internal {

inline constexpr uint64_t kTarMaxMember = (uint64_t{1} << 33) - 1;

class TarWriter {
 public:
  // Writes to `path` (created or truncated, mode 0644). Check status() before use.
  explicit TarWriter(const std::string& path);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  // A whole member at once.
  Status Add(std::string_view name, std::string_view bytes, int64_t mtime_seconds);
  // A member written in parts, whose size is known at the end: Begin, Append..., End.
  Status Begin(std::string_view name, int64_t mtime_seconds);
  Status Append(std::string_view bytes);
  Status End();
  // The end-of-archive blocks, then fsync and close: the file is complete only when this
  // returns ok.
  Status Finish();

 private:
  Status WriteAll(std::string_view bytes);
  int fd_ = -1;
  std::string path_;
  uint64_t offset_ = 0;         // bytes written so far
  uint64_t member_header_ = 0;  // offset of the open member's header
  uint64_t member_size_ = 0;
  std::string member_name_;
  int64_t member_mtime_ = 0;
  bool open_member_ = false;
};

struct TarMember {
  std::string name;
  uint64_t size = 0;
};

class TarReader {
 public:
  explicit TarReader(const std::string& path);
  // The next member's header (and skips what was left unread of the previous member).
  // Ok and false at the end of the archive; kDataLoss when a header is damaged (bad
  // checksum, not ustar, not a regular file).
  Result<bool> Next(TarMember* member);
  // Reads exactly `n` bytes of the current member; kDataLoss if it has fewer left.
  Status Read(char* out, size_t n);
  // The rest of the current member; kDataLoss when it is more than `max_bytes`.
  Result<std::string> ReadAll(uint64_t max_bytes);
  uint64_t left() const { return left_; }

 private:
  std::ifstream in_;
  std::string path_;
  uint64_t left_ = 0;     // unread bytes of the current member
  uint64_t padding_ = 0;  // padding after it, to the next 512-byte block
};

}  // namespace caseledger::ledger::internal
