#include "core/chunk_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

namespace onair::record {

namespace fs = std::filesystem;

namespace {

constexpr char kPrefix[] = "chunk_";
constexpr char kSuffix[] = ".wav";
constexpr size_t kHeaderBytes = 44;
// RIFF sizes are 32 bits; a chunk is refused more sound than its header can describe.
constexpr uint64_t kMaxDataBytes = 0xFFFFFFFFull - (kHeaderBytes - 8);

void put_u32(std::vector<uint8_t> &out, uint32_t v) {
  for (int i = 0; i < 4; i++) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_u16(std::vector<uint8_t> &out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void put_tag(std::vector<uint8_t> &out, const char *tag) {
  out.insert(out.end(), tag, tag + 4);
}

bool write_all(int fd, const uint8_t *data, size_t bytes) {
  while (bytes > 0) {
    const ssize_t n = ::write(fd, data, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    data += n;
    bytes -= static_cast<size_t>(n);
  }
  return true;
}

bool pwrite_all(int fd, const std::vector<uint8_t> &data, off_t offset) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        ::pwrite(fd, data.data() + done, data.size() - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// Makes a rename in `directory` durable.
bool sync_directory(const std::string &directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  errno = saved;
  return ok;
}

}  // namespace

std::string chunk_file_name(uint64_t index) {
  char name[48];
  std::snprintf(name, sizeof name, "%s%04llu%s", kPrefix, static_cast<unsigned long long>(index),
                kSuffix);
  return name;
}

std::string partial_file_name(uint64_t index) {
  return "." + chunk_file_name(index) + ".partial";
}

std::optional<uint64_t> chunk_index_of(const std::string &file_name) {
  const size_t prefix = sizeof kPrefix - 1;
  const size_t suffix = sizeof kSuffix - 1;
  if (file_name.size() < prefix + 4 + suffix || file_name.compare(0, prefix, kPrefix) != 0 ||
      file_name.compare(file_name.size() - suffix, suffix, kSuffix) != 0)
    return std::nullopt;
  const std::string digits = file_name.substr(prefix, file_name.size() - prefix - suffix);
  if (digits.size() > 18) return std::nullopt;
  uint64_t index = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    index = index * 10 + static_cast<uint64_t>(c - '0');
  }
  return index;
}

uint64_t next_free_index(const std::string &directory) {
  uint64_t next = 0;
  std::error_code ec;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    if (const auto index = chunk_index_of(it->path().filename().string()))
      next = std::max(next, *index + 1);
  }
  return next;
}

std::vector<std::string> remove_partial_files(const std::string &directory) {
  std::vector<std::string> removed;
  std::error_code ec;
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    const std::string tail = ".partial";
    if (name.size() > 1 + tail.size() && name[0] == '.' &&
        name.compare(name.size() - tail.size(), tail.size(), tail) == 0 &&
        chunk_index_of(name.substr(1, name.size() - 1 - tail.size())))
      stale.push_back(it->path());
  }
  for (const fs::path &p : stale) {
    std::error_code remove_error;
    if (fs::remove(p, remove_error)) removed.push_back(p.filename().string());
  }
  return removed;
}

uint64_t max_wav_frames(int channels) {
  return kMaxDataBytes / (2u * static_cast<uint64_t>(std::max(channels, 1)));
}

std::vector<uint8_t> wav_header(int rate, int channels, uint32_t data_bytes) {
  const uint32_t block_align = 2u * static_cast<uint32_t>(channels);
  std::vector<uint8_t> h;
  h.reserve(kHeaderBytes);
  put_tag(h, "RIFF");
  put_u32(h, static_cast<uint32_t>(kHeaderBytes - 8 + data_bytes));
  put_tag(h, "WAVE");
  put_tag(h, "fmt ");
  put_u32(h, 16);
  put_u16(h, 1);  // PCM
  put_u16(h, static_cast<uint16_t>(channels));
  put_u32(h, static_cast<uint32_t>(rate));
  put_u32(h, static_cast<uint32_t>(rate) * block_align);
  put_u16(h, static_cast<uint16_t>(block_align));
  put_u16(h, 16);
  put_tag(h, "data");
  put_u32(h, data_bytes);
  return h;
}

ChunkWriter::ChunkWriter(std::string directory, uint64_t first_index, ChunkFormat format)
    : directory_(std::move(directory)), format_(format), next_index_(first_index) {}

ChunkWriter::~ChunkWriter() {
  // A chunk still open was not finished: it must not appear.
  if (fd_ >= 0) {
    close_file();
    ::unlink((fs::path(directory_) / partial_file_name(current_.index)).c_str());
  }
}

void ChunkWriter::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool ChunkWriter::open_chunk() {
  open_ = true;
  failed_ = false;
  data_bytes_ = 0;
  current_ = {};
  current_.index = next_index_++;
  current_.file_name = chunk_file_name(current_.index);
  current_.path = (fs::path(directory_) / current_.file_name).string();

  // The directory may have been removed since the last chunk: make it again.
  std::error_code ec;
  fs::create_directories(directory_, ec);
  if (ec) {
    fail("could not create the directory", ec.value());
    return false;
  }
  const std::string partial = (fs::path(directory_) / partial_file_name(current_.index)).string();
  fd_ = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    fail("could not create " + partial, errno);
    return false;
  }
  const std::vector<uint8_t> header = wav_header(format_.rate, format_.channels, 0);
  if (!write_all(fd_, header.data(), header.size())) {
    fail("could not write " + partial, errno);
    return false;
  }
  return true;
}

void ChunkWriter::fail(const std::string &what, int error_number) {
  failed_ = true;
  close_file();
  ::unlink((fs::path(directory_) / partial_file_name(current_.index)).c_str());
  ChunkReport report = current_;
  report.written = false;
  report.error = what + ": " + std::strerror(error_number);
  reports_.push_back(std::move(report));
}

void ChunkWriter::append(const uint8_t *data, size_t bytes) {
  if (bytes == 0) return;
  if (!open_ && !open_chunk()) return;
  if (failed_) return;
  if (data_bytes_ + bytes > kMaxDataBytes) {
    fail("the chunk is too long for a WAV file", EFBIG);
    return;
  }
  if (!write_all(fd_, data, bytes)) {
    fail("could not write " + partial_file_name(current_.index), errno);
    return;
  }
  data_bytes_ += bytes;
}

void ChunkWriter::end_chunk(const ChunkEnd &end) {
  if (!open_) return;  // an empty chunk: no file
  open_ = false;
  if (failed_) return;  // already reported
  current_.end = end;
  const std::string partial = (fs::path(directory_) / partial_file_name(current_.index)).string();
  const std::vector<uint8_t> header =
      wav_header(format_.rate, format_.channels, static_cast<uint32_t>(data_bytes_));
  if (!pwrite_all(fd_, header, 0)) {
    fail("could not write the header of " + partial, errno);
  } else if (::fsync(fd_) != 0) {
    fail("could not flush " + partial, errno);
  } else if (::close(std::exchange(fd_, -1)) != 0) {
    fail("could not close " + partial, errno);
  } else if (::rename(partial.c_str(), current_.path.c_str()) != 0) {
    fail("could not rename " + partial, errno);
  } else {
    // Durability of the name only: the chunk is complete whether or not this succeeds.
    sync_directory(directory_);
    current_.written = true;
    reports_.push_back(current_);
  }
}

std::vector<ChunkReport> ChunkWriter::take_reports() {
  return std::exchange(reports_, {});
}

}  // namespace onair::record
