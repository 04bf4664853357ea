#include "ledger/internal/tar.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace caseledger::ledger::internal {
namespace {

constexpr size_t kBlock = 512;
using Header = std::array<char, kBlock>;

// An octal number in a field of `width` bytes: width-1 digits and a NUL.
void PutOctal(char* field, size_t width, uint64_t value) {
  field[width - 1] = '\0';
  for (size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
}

uint64_t Checksum(const Header& h) {
  uint64_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) {
    // The checksum field itself counts as spaces.
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  }
  return sum;
}

Header MakeHeader(std::string_view name, uint64_t size, int64_t mtime) {
  Header h{};
  std::memcpy(h.data(), name.data(), name.size());
  PutOctal(&h[100], 8, 0644);                           // mode
  PutOctal(&h[108], 8, 0);                              // uid
  PutOctal(&h[116], 8, 0);                              // gid
  PutOctal(&h[124], 12, size);                          // size
  PutOctal(&h[136], 12, static_cast<uint64_t>(mtime));  // mtime
  h[156] = '0';                                         // a regular file
  std::memcpy(&h[257], "ustar", 6);                     // magic, NUL-terminated
  std::memcpy(&h[263], "00", 2);                        // version
  PutOctal(&h[148], 7, Checksum(h));
  h[155] = ' ';
  return h;
}

Result<uint64_t> ParseOctal(const char* field, size_t width) {
  uint64_t v = 0;
  size_t i = 0;
  while (i < width && field[i] == ' ') ++i;
  size_t digits = 0;
  for (; i < width && field[i] >= '0' && field[i] <= '7'; ++i, ++digits) {
    if (digits >= 21) return Status::DataLoss("an octal field is too long");
    v = v << 3 | static_cast<uint64_t>(field[i] - '0');
  }
  for (; i < width; ++i) {
    if (field[i] != '\0' && field[i] != ' ') return Status::DataLoss("an octal field is damaged");
  }
  if (digits == 0) return Status::DataLoss("an octal field is empty");
  return v;
}

uint64_t PaddingAfter(uint64_t size) { return (kBlock - size % kBlock) % kBlock; }

}  // namespace

TarWriter::TarWriter(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
}

TarWriter::~TarWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status TarWriter::WriteAll(std::string_view bytes) {
  if (fd_ < 0) return Status::Unavailable("cannot write " + path_ + ": " + std::strerror(errno));
  while (!bytes.empty()) {
    ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Status::Unavailable("writing " + path_ + ": " + std::strerror(errno));
    bytes.remove_prefix(static_cast<size_t>(n));
    offset_ += static_cast<uint64_t>(n);
  }
  return Status();
}

Status TarWriter::Add(std::string_view name, std::string_view bytes, int64_t mtime_seconds) {
  CL_RETURN_IF_ERROR(Begin(name, mtime_seconds));
  CL_RETURN_IF_ERROR(Append(bytes));
  return End();
}

Status TarWriter::Begin(std::string_view name, int64_t mtime_seconds) {
  if (open_member_) return Status::InvalidArgument("a tar member is still open");
  if (name.empty() || name.size() >= 100) {
    return Status::InvalidArgument("a tar member's name is 1-99 bytes");
  }
  member_header_ = offset_;
  member_size_ = 0;
  member_name_ = std::string(name);
  member_mtime_ = mtime_seconds;
  open_member_ = true;
  const Header h = MakeHeader(name, 0, mtime_seconds);  // its size is patched by End()
  return WriteAll({h.data(), h.size()});
}

Status TarWriter::Append(std::string_view bytes) {
  if (!open_member_) return Status::InvalidArgument("no tar member is open");
  if (member_size_ + bytes.size() > kTarMaxMember) {
    return Status::ResourceExhausted("a tar member of more than 8 GiB");
  }
  member_size_ += bytes.size();
  return WriteAll(bytes);
}

Status TarWriter::End() {
  if (!open_member_) return Status::InvalidArgument("no tar member is open");
  open_member_ = false;
  CL_RETURN_IF_ERROR(WriteAll(std::string(PaddingAfter(member_size_), '\0')));
  const Header h = MakeHeader(member_name_, member_size_, member_mtime_);
  if (::pwrite(fd_, h.data(), h.size(), static_cast<off_t>(member_header_)) !=
      static_cast<ssize_t>(h.size())) {
    return Status::Unavailable("writing " + path_ + ": " + std::strerror(errno));
  }
  return Status();
}

Status TarWriter::Finish() {
  if (open_member_) return Status::InvalidArgument("a tar member is still open");
  CL_RETURN_IF_ERROR(WriteAll(std::string(2 * kBlock, '\0')));
  if (::fsync(fd_) != 0) {
    return Status::Unavailable("syncing " + path_ + ": " + std::strerror(errno));
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Status::Unavailable("closing " + path_);
  return Status();
}

TarReader::TarReader(const std::string& path) : in_(path, std::ios::binary), path_(path) {}

Result<bool> TarReader::Next(TarMember* member) {
  if (!in_) return Status::NotFound("cannot read " + path_);
  in_.ignore(static_cast<std::streamsize>(left_ + padding_));
  left_ = padding_ = 0;
  Header h{};
  in_.read(h.data(), h.size());
  if (in_.gcount() == 0 && in_.eof()) return Status::DataLoss("the archive ends without its end");
  if (in_.gcount() != static_cast<std::streamsize>(kBlock)) {
    return Status::DataLoss("the archive ends inside a header");
  }
  bool zero = true;
  for (char c : h) zero = zero && c == '\0';
  if (zero) return false;
  CL_ASSIGN_OR_RETURN(uint64_t sum, ParseOctal(&h[148], 8));
  if (sum != Checksum(h)) return Status::DataLoss("a member header fails its checksum");
  if (std::memcmp(&h[257], "ustar", 5) != 0) return Status::DataLoss("not a ustar archive");
  if (h[156] != '0' && h[156] != '\0') return Status::DataLoss("a member is not a regular file");
  CL_ASSIGN_OR_RETURN(member->size, ParseOctal(&h[124], 12));
  member->name = std::string(h.data(), strnlen(h.data(), 100));
  left_ = member->size;
  padding_ = PaddingAfter(member->size);
  return true;
}

Status TarReader::Read(char* out, size_t n) {
  if (n > left_) return Status::DataLoss("a member ends early");
  in_.read(out, static_cast<std::streamsize>(n));
  if (in_.gcount() != static_cast<std::streamsize>(n)) {
    return Status::DataLoss("the archive ends inside a member");
  }
  left_ -= n;
  return Status();
}

Result<std::string> TarReader::ReadAll(uint64_t max_bytes) {
  if (left_ > max_bytes) {
    return Status::DataLoss("a member is larger than it can be (" + std::to_string(left_) +
                            " bytes)");
  }
  std::string out(left_, '\0');
  CL_RETURN_IF_ERROR(Read(out.data(), out.size()));
  return out;
}

}  // namespace caseledger::ledger::internal
