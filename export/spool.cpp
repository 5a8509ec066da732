// SPDX-License-Identifier: GPL-2.0-or-later
#include "spool.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "gzip.h"
#include "private_file.h"
#include "replay_policy.h"
#include "spooled_mappings.h"

namespace espcap::exporter {
namespace fs = std::filesystem;

namespace {

constexpr const char *kSuffix = ".ndjson.gz";
// A spool file holds one batch, and a batch is at most bulk_bytes (1 GiB) plus a document.
constexpr std::size_t kMaxBatchBytes = std::size_t{1100} * 1024 * 1024;

// Gzipped: a batch's mappings name every field its indices use, thousands of them, and
// every batch of those indices carries the same list. Files written before they were
// compressed (kPlainMappingsSuffix) are still read.
constexpr const char *kMappingsSuffix = ".mappings.json.gz";
constexpr const char *kPlainMappingsSuffix = ".mappings.json";
// Thousands of fields at most: anything larger is not ours.
constexpr std::size_t kMaxMappingsBytes = std::size_t{64} * 1024 * 1024;

constexpr const char *kReplayLockName = ".replay.lock";
// Held while a batch is measured against spool_max and written, so runs sharing the
// folder cannot each take the last room.
constexpr const char *kStoreLockName = ".store.lock";

bool has_suffix(const std::string &name, const char *suffix) {
    return name.size() > std::strlen(suffix) && name.front() != '.' &&
           name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0;
}

bool is_spool_file(const fs::path &path) { return has_suffix(path.filename().string(), kSuffix); }

// Counted against spool_max: batches, their mappings, and what was set aside.
bool counts_against_bound(const fs::path &path) {
    const std::string name = path.filename().string();
    return name.front() != '.' &&
           (name.find(kSuffix) != std::string::npos || name.find(kPlainMappingsSuffix) != std::string::npos);
}

// "F.ndjson.gz" -> "F.mappings.json.gz": the typed fields and template of its batch.
std::string mappings_file_of(const std::string &file, const char *suffix = kMappingsSuffix) {
    return file.substr(0, file.size() - std::strlen(kSuffix)) + suffix;
}

std::string system_error_text(int error) { return std::strerror(error); }

// Makes a rename in `folder` survive a power cut: the new name is in the folder's
// own blocks, which fsync on the file does not write.
int sync_folder(const fs::path &folder) {
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errno;
    const int error = ::fsync(fd) == 0 ? 0 : errno;
    ::close(fd);
    return error;
}

// Writes under a temporary name, syncs, renames, then syncs the folder: a crash leaves
// the whole file or none of it, and a file counted as kept is on disk. 0 on success,
// else an errno.
int write_durably(const fs::path &temporary_path, const fs::path &final_path, std::string_view data) {
    const int fd = ::open(temporary_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    std::size_t written = 0;
    int write_errno = 0;
    while (written < data.size()) {
        const ssize_t n = ::write(fd, data.data() + written, data.size() - written);
        if (n < 0) {
            if (errno == EINTR) continue;
            write_errno = errno;
            break;
        }
        written += static_cast<std::size_t>(n);
    }
    if (write_errno == 0 && ::fsync(fd) != 0) write_errno = errno;
    if (::close(fd) != 0 && write_errno == 0) write_errno = errno;
    if (write_errno == 0 && std::rename(temporary_path.c_str(), final_path.c_str()) != 0) write_errno = errno;
    if (write_errno != 0) {
        ::unlink(temporary_path.c_str());
        return write_errno;
    }
    // Not known to be on disk: not kept, so the caller's account (dead letter) holds.
    if (const int sync_errno = sync_folder(final_path.parent_path()); sync_errno != 0) {
        ::unlink(final_path.c_str());
        return sync_errno;
    }
    return 0;
}

// Reads a spool file as replay_policy.h allows: not through a symbolic link, owned by
// this user and writable by nobody else, at most `max_bytes`.
Spool::Loaded read_spool_file(const std::string &path, std::size_t max_bytes, std::string &contents, std::string &error) {
    contents.clear();
    const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        const int open_errno = errno;
        if (open_errno == ENOENT) return Spool::Loaded::absent;
        error = path + (open_errno == ELOOP ? ": refused: a symbolic link" : ": " + system_error_text(open_errno));
        return open_errno == ELOOP ? Spool::Loaded::refused : Spool::Loaded::damaged;
    }
    Spool::Loaded result = Spool::Loaded::ok;
    if (const std::string refused = check_spool_file_owner(fd); !refused.empty()) {
        error = path + ": refused: " + refused;
        result = Spool::Loaded::refused;
    }
    char chunk[64 * 1024];
    while (result == Spool::Loaded::ok) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            error = path + ": " + system_error_text(errno);
            result = Spool::Loaded::damaged;
        } else if (n == 0) {
            break;
        } else if (contents.size() + static_cast<std::size_t>(n) > max_bytes) {
            error = path + ": larger than any spool file espcap writes";
            result = Spool::Loaded::damaged;
        } else {
            contents.append(chunk, static_cast<std::size_t>(n));
        }
    }
    ::close(fd);
    return result;
}

// An flock held for the life of the object; blocks until it is free.
class FolderLock {
public:
    explicit FolderLock(const fs::path &path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600)) {
        while (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {}
    }
    ~FolderLock() {
        if (fd_ >= 0) ::close(fd_);  // releases the lock
    }
    FolderLock(const FolderLock &) = delete;
    FolderLock &operator=(const FolderLock &) = delete;
    bool held() const { return fd_ >= 0; }

private:
    int fd_;
};

}  // namespace

std::string spool_folder_name(const std::vector<Endpoint> &nodes) {
    if (nodes.empty()) return "none";
    const Endpoint &node = nodes.front();
    std::string name = node.host + "_" + std::to_string(node.port) + node.path_prefix;
    for (char &c : name) {
        const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                          c == '.' || c == '-' || c == '_';
        if (!safe) c = '_';
    }
    return name;
}

Spool::Spool(const std::string &root, const std::vector<Endpoint> &nodes, std::uint64_t max_bytes,
             std::string refusal)
    : folder_((fs::path(root) / spool_folder_name(nodes)).string()), max_bytes_(max_bytes), refusal_(std::move(refusal)) {}

Spool::~Spool() { unlock_replay(); }

std::string Spool::open() {
    std::error_code error;
    if (!fs::exists(folder_, error)) {
        // The nearest folder that exists must let us create the rest.
        fs::path existing = fs::absolute(folder_, error).parent_path();
        while (!existing.empty() && !fs::exists(existing, error) && existing != existing.root_path())
            existing = existing.parent_path();
        if (!fs::is_directory(existing, error))
            return "cannot create spool folder " + folder_ + ": " + existing.string() + " is not a folder";
        if (::access(existing.c_str(), W_OK | X_OK) != 0)
            return "cannot create spool folder " + folder_ + ": " + system_error_text(errno);
        return "";
    }
    const fs::directory_iterator readable(folder_, error);
    if (error) return "cannot read spool folder " + folder_ + ": " + error.message();
    return "";
}

std::uint64_t Spool::bytes_in_folder() const {
    std::uint64_t bytes = 0;
    std::error_code error;
    for (const fs::directory_entry &entry : fs::directory_iterator(folder_, error)) {
        std::error_code size_error;  // a file another process just removed counts nothing
        if (counts_against_bound(entry.path())) {
            const std::uintmax_t size = entry.file_size(size_error);
            if (!size_error) bytes += size;
        }
    }
    return bytes;
}

std::string Spool::store(const BulkBatch &batch, const std::vector<std::size_t> &documents,
                         std::string_view mappings_json, std::string *stored_file) {
    if (!refusal_.empty()) return refusal_;
    const bool whole_batch = documents.size() == batch.document_count();
    std::string subset;  // a copy only when part of the batch is kept
    if (!whole_batch)
        for (std::size_t d : documents) subset += batch.document_lines(d);
    const std::string compressed = gzip_compress(whole_batch ? batch.body() : std::string_view(subset));
    const std::string compressed_mappings = mappings_json.empty() ? "" : gzip_compress(mappings_json);
    // Its batches hold packet contents: readable by this user alone.
    if (std::string error = make_private_folders(folder_); !error.empty()) return error;

    // spool_max bounds the folder, whoever wrote to it: several runs may spool here at
    // once, so what it holds is counted afresh, with the others kept out until written.
    const FolderLock others_wait(fs::path(folder_) / kStoreLockName);
    if (!others_wait.held()) return "cannot lock spool folder " + folder_ + ": " + system_error_text(errno);
    if (bytes_in_folder() + compressed.size() + compressed_mappings.size() > max_bytes_)
        return "spool folder " + folder_ + " is full (spool_max " + std::to_string(max_bytes_) + " bytes)";

    // Names sort by time, so replay keeps the capture's order.
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    char name[96];
    std::snprintf(name, sizeof name, "%020lld-%d-%llu",
                  static_cast<long long>(std::chrono::duration_cast<std::chrono::microseconds>(now).count()),
                  static_cast<int>(getpid()), static_cast<unsigned long long>(sequence_++));
    const fs::path final_path = fs::path(folder_) / (std::string(name) + kSuffix);
    const fs::path temporary_path = fs::path(folder_) / ("." + std::string(name) + ".tmp");

    // The mappings first: a batch file found by a replay always has its own next to it.
    if (!compressed_mappings.empty()) {
        const std::string mappings_path = mappings_file_of(final_path.string());
        if (const int error = write_durably(temporary_path, mappings_path, compressed_mappings); error != 0)
            return "cannot write spool file in " + folder_ + ": " + system_error_text(error);
    }
    // The batch must be on disk before it counts as kept.
    if (const int error = write_durably(temporary_path, final_path, compressed); error != 0) {
        remove(final_path.string());  // its mappings file, if written
        return "cannot write spool file in " + folder_ + ": " + system_error_text(error);
    }
    if (stored_file != nullptr) *stored_file = final_path.string();
    return "";
}

std::vector<std::string> Spool::pending_files() const {
    std::vector<std::string> files;
    std::error_code error;
    for (const fs::directory_entry &entry : fs::directory_iterator(folder_, error)) {
        if (is_spool_file(entry.path())) files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

Spool::Loaded Spool::load(const std::string &file, BulkBatch &batch, std::string &mappings_json,
                          std::string &error) const {
    std::string compressed;
    if (const Loaded read = read_spool_file(file, kMaxBatchBytes, compressed, error); read != Loaded::ok) return read;
    std::string body;
    if (!gzip_decompress(compressed, kMaxBatchBytes, body, error)) {
        error = file + ": " + error;
        return Loaded::damaged;
    }
    if (!batch.assign_body(body)) {
        error = file + ": not a bulk body (action and document line pairs)";
        return Loaded::damaged;
    }
    if (const std::string refused = check_replayable_actions(batch); !refused.empty()) {
        error = file + ": refused: " + refused;
        return Loaded::refused;
    }
    // Spooled by a run that left mappings alone (template=false), or by hand: none.
    mappings_json.clear();
    std::string mappings_error;
    const Loaded mappings = read_spool_file(mappings_file_of(file), kMaxMappingsBytes, compressed, mappings_error);
    if (mappings == Loaded::ok) {
        if (!gzip_decompress(compressed, kMaxMappingsBytes, mappings_json, mappings_error)) {
            error = mappings_file_of(file) + ": " + mappings_error;
            return Loaded::damaged;
        }
    } else if (mappings == Loaded::absent) {
        const std::string plain = mappings_file_of(file, kPlainMappingsSuffix);
        const Loaded plain_read = read_spool_file(plain, kMaxMappingsBytes, mappings_json, mappings_error);
        if (plain_read == Loaded::absent) return Loaded::ok;
        if (plain_read != Loaded::ok) {
            error = mappings_error;
            return plain_read;
        }
    } else {
        error = mappings_error;
        return mappings;
    }
    // Read like a node's reply: its prefix becomes a template pattern, its indices
    // request paths. A batch's mappings name the batch's own indices, no others.
    SpooledMappings spooled;
    std::string refused;
    if (parse_spooled_mappings(mappings_json, spooled, &refused)) {
        std::vector<std::string_view> actions;
        for (std::size_t d = 0; d < batch.document_count(); ++d) {
            const std::string_view lines = batch.document_lines(d);
            actions.push_back(lines.substr(0, lines.find('\n')));
        }
        const std::vector<std::string> indices = indices_of_actions(actions);
        for (const FieldSpec &field : spooled.fields)
            if (std::find(indices.begin(), indices.end(), field.index) == indices.end())
                refused = "its mappings name an index its batch does not use";
    }
    if (!refused.empty()) {
        error = file + ": refused: " + refused;
        return Loaded::refused;
    }
    return Loaded::ok;
}

void Spool::remove(const std::string &file) {
    for (const std::string &path : {file, mappings_file_of(file), mappings_file_of(file, kPlainMappingsSuffix)}) {
        std::error_code error;
        fs::remove(path, error);
    }
}

std::string Spool::set_aside(const std::string &file, Loaded why) {
    const char *mark = why == Loaded::refused ? ".refused" : ".damaged";
    const std::string kept = file + mark;
    std::error_code error;
    fs::rename(file, kept, error);
    if (error) return file;
    for (const char *suffix : {kMappingsSuffix, kPlainMappingsSuffix})  // kept with it, if any
        fs::rename(mappings_file_of(file, suffix), mappings_file_of(file, suffix) + mark, error);
    return kept;
}

bool Spool::begin_replay(std::vector<std::string> &files) {
    files.clear();
    if (!try_lock_replay()) return false;
    files = pending_files();
    return true;
}

bool Spool::wait_for_other_replay() {
    if (lock_fd_ >= 0) return false;  // ours
    if (try_lock_replay()) {  // nobody else replays
        unlock_replay();
        return false;
    }
    const FolderLock wait(fs::path(folder_) / kReplayLockName);  // until the other ends; released at once
    return wait.held();
}

bool Spool::try_lock_replay() {
    if (lock_fd_ >= 0) return true;
    const std::string lock_path = (fs::path(folder_) / kReplayLockName).string();
    lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (lock_fd_ < 0) return false;
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(lock_fd_);
        lock_fd_ = -1;
        return false;
    }
    return true;
}

void Spool::unlock_replay() {
    if (lock_fd_ < 0) return;
    ::flock(lock_fd_, LOCK_UN);
    ::close(lock_fd_);
    lock_fd_ = -1;
}

}  // namespace espcap::exporter
