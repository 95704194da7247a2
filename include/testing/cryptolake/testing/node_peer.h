// NodePeer: runs a node script from test/peers, spawned with its stdin on a pipe; the script
// prints "READY <port>" on its first line and exits when its stdin closes. Test-only (the
// `testing` include root holds support code for tests, never linked into the library or the CLI).
// Needs CRYPTOLAKE_SOURCE_DIR defined to the repository root.
#ifndef CRYPTOLAKE_TESTING_NODE_PEER_H_
#define CRYPTOLAKE_TESTING_NODE_PEER_H_

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

extern char** environ;

namespace cryptolake::testing {

inline std::optional<std::string> FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return std::nullopt;
  std::string_view rest(path);
  while (!rest.empty()) {
    size_t colon = rest.find(':');
    std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
    std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return std::nullopt;
}

// A node script from test/peers; stopped (stdin closed, then reaped) by the destructor.
class NodePeer {
 public:
  // nullptr with *error set when it cannot start; *skip is true when node itself is missing.
  static std::unique_ptr<NodePeer> Start(const std::string& script,
                                         const std::vector<std::string>& script_args,
                                         std::string* error, bool* skip) {
    *skip = false;
    auto node = FindOnPath("node");
    if (!node) {
      *skip = true;
      *error = "node is not installed (needed to run test/peers/" + script + ")";
      return nullptr;
    }
    std::string path =
        (std::filesystem::path(CRYPTOLAKE_SOURCE_DIR) / "test" / "peers" / script).string();
    int in_pipe[2], out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
      *error = "pipe failed";
      return nullptr;
    }
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
      ::close(in_pipe[0]);
      ::close(in_pipe[1]);
      *error = "pipe failed";
      return nullptr;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    std::vector<std::string> args = {*node, path};
    args.insert(args.end(), script_args.begin(), script_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    auto peer = std::unique_ptr<NodePeer>(new NodePeer());
    int rc = posix_spawn(&peer->pid_, node->c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    peer->stdin_fd_ = in_pipe[1];
    if (rc != 0) {
      ::close(out_pipe[0]);
      peer->pid_ = -1;
      *error = "cannot spawn node";
      return nullptr;
    }
    std::string line;
    char c;
    while (::read(out_pipe[0], &c, 1) == 1 && c != '\n') line += c;
    ::close(out_pipe[0]);
    if (line.rfind("READY ", 0) != 0) {
      *error = script + " did not start (said \"" + line + "\")";
      return nullptr;
    }
    peer->port_ = std::atoi(line.c_str() + 6);
    return peer;
  }

  ~NodePeer() {
    if (stdin_fd_ >= 0) ::close(stdin_fd_);  // the script exits on EOF
    if (pid_ > 0) {
      int status;
      ::waitpid(pid_, &status, 0);
    }
  }

  int port() const { return port_; }

 private:
  NodePeer() = default;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0;
};

}  // namespace cryptolake::testing

#endif  // CRYPTOLAKE_TESTING_NODE_PEER_H_
