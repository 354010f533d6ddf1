#include "http/token.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace onair::app {

namespace {

constexpr size_t kMinTokenBytes = 16;
constexpr size_t kMaxTokenBytes = 1024;

std::string errno_text(int err) {
  return std::strerror(err);
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

std::string dir_of(const std::string &path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// mkdir -p, with 0700 for every directory it makes.
void make_dirs(const std::string &dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw TokenError("'" + dir + "' is not a directory");
    return;
  }
  if (errno != ENOENT) throw TokenError("cannot use '" + dir + "': " + errno_text(errno));
  const std::string parent = dir_of(dir);
  if (parent != dir) make_dirs(parent);
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw TokenError("cannot create '" + dir + "': " + errno_text(errno));
  chmod(dir.c_str(), 0700);  // whatever the umask took away
}

bool usable(const std::string &token) {
  if (token.size() < kMinTokenBytes || token.size() > kMaxTokenBytes) return false;
  for (char c : token)
    if (c < 0x21 || c > 0x7E) return false;
  return true;
}

// Reads an existing token file; false when there is none.
bool read_token(const std::string &path, std::string &token) {
  Fd f;
  f.fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (f.fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    if (errno == ELOOP)
      throw TokenError("token file '" + path +
                       "' is a symbolic link; give the file itself with --token-file");
    throw TokenError("cannot read token file '" + path + "': " + errno_text(errno));
  }
  struct stat st {};
  if (fstat(f.fd, &st) != 0)
    throw TokenError("cannot read token file '" + path + "': " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) throw TokenError("token file '" + path + "' is not a regular file");
  if (st.st_uid != geteuid()) throw TokenError("token file '" + path + "' belongs to another user");
  if (st.st_mode & 077)
    throw TokenError("token file '" + path +
                     "' may be read or written by other users; make it private with "
                     "'chmod 600 " +
                     path + "' or remove it to get a new token");
  std::string text;
  char buf[512];
  for (;;) {
    const ssize_t n = read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw TokenError("cannot read token file '" + path + "': " + errno_text(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxTokenBytes + 2) break;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (!usable(text))
    throw TokenError("token file '" + path + "' holds no usable token (" +
                     std::to_string(kMinTokenBytes) + " to " + std::to_string(kMaxTokenBytes) +
                     " visible ASCII characters on one line); remove it to get a new one");
  token = text;
  return true;
}

void write_all(int fd, const std::string &data, const std::string &path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw TokenError("cannot write '" + path + "': " + errno_text(errno));
    done += static_cast<size_t>(n);
  }
}

}  // namespace

std::string default_token_path(const std::string &config_dir) {
  return config_dir + "/onair/api-token";
}

std::string random_token() {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    const ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    got += static_cast<size_t>(n);
  }
  if (got < sizeof bytes) {
    Fd f;
    f.fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    while (f.fd >= 0 && got < sizeof bytes) {
      const ssize_t n = read(f.fd, bytes + got, sizeof bytes - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
  }
  if (got < sizeof bytes) throw TokenError("cannot read random bytes for a new API token");
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

std::string load_or_create_token(const std::string &path, bool *created) {
  if (created) *created = false;
  if (path.empty()) throw TokenError("empty token file name");
  std::string token;
  if (read_token(path, token)) return token;

  const std::string dir = dir_of(path);
  make_dirs(dir);
  token = random_token();
  std::string tmp = dir + "/.api-token.XXXXXX";
  Fd f;
  f.fd = mkostemp(tmp.data(), O_CLOEXEC);  // mode 0600 from the start
  if (f.fd < 0)
    throw TokenError("cannot create a token file in '" + dir + "': " + errno_text(errno));
  try {
    fchmod(f.fd, 0600);
    write_all(f.fd, token + "\n", tmp);
    if (fsync(f.fd) != 0) throw TokenError("cannot write '" + tmp + "': " + errno_text(errno));
  } catch (...) {
    unlink(tmp.c_str());
    throw;
  }
  // link() never replaces: if another run made the file first, its token wins.
  const int linked = link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  if (linked != 0 && link_errno != EEXIST && (link_errno == EPERM || link_errno == EOPNOTSUPP)) {
    // A file system without hard links.
    if (rename(tmp.c_str(), path.c_str()) == 0) {
      if (created) *created = true;
      return token;
    }
  }
  unlink(tmp.c_str());
  if (linked == 0) {
    if (created) *created = true;
    return token;
  }
  if (link_errno == EEXIST && read_token(path, token)) return token;
  throw TokenError("cannot create token file '" + path + "': " + errno_text(link_errno));
}

}  // namespace onair::app
