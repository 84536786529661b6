// `certnn serve` (or another server) as a child process on a free loopback port, and a
// plain-socket HTTP client: the client sends exactly the bytes a test gives (broken requests
// included) and reads the whole answer.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace certnn::test {

struct HttpReply {
  int status = 0;  // 0: no answer
  std::string head, body;
  std::string header(const std::string& name) const {
    std::istringstream lines(head);
    for (std::string line; std::getline(lines, line);) {
      if (line.size() > name.size() && line.compare(0, name.size(), name) == 0 && line[name.size()] == ':') {
        std::string value = line.substr(name.size() + 1);
        value.erase(0, value.find_first_not_of(' '));
        while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
        return value;
      }
    }
    return "";
  }
};

// A connected socket to the port; -1 on failure.
inline int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  timeval timeout{20, 0};  // a server that never answers fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  return fd;
}

inline void send_all(int fd, const std::string& bytes) {
  for (std::size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server closed early (it may answer a refusal before reading all)
    sent += static_cast<std::size_t>(n);
  }
}

// The byte count of a whole answer once its head has arrived: head + Content-Length, or none
// (then the answer ends when the server closes the connection).
inline std::optional<std::size_t> answer_size(const std::string& bytes) {
  const auto end = bytes.find("\r\n\r\n");
  if (end == std::string::npos) return std::nullopt;
  static const std::regex length(R"((?:^|\r\n)[Cc]ontent-[Ll]ength: *(\d+))");
  std::smatch match;
  const std::string head = bytes.substr(0, end);
  if (!std::regex_search(head, match, length)) return std::nullopt;
  return end + 4 + std::stoul(match[1]);
}

inline HttpReply read_reply(int fd) {
  std::string bytes;
  char buffer[65536];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
    bytes.append(buffer, static_cast<std::size_t>(n));
    // Not every server closes at once after "Connection: close" (chromedriver keeps it open).
    if (const auto size = answer_size(bytes); size && bytes.size() >= *size) break;
  }
  ::close(fd);
  HttpReply reply;
  const auto end = bytes.find("\r\n\r\n");
  if (bytes.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return reply;
  reply.status = std::stoi(bytes.substr(9, 3));
  reply.head = bytes.substr(0, end);
  reply.body = bytes.substr(end + 4);
  return reply;
}

// Sends raw bytes (one whole request with "Connection: close") and reads the answer.
inline HttpReply raw_http(int port, const std::string& request) {
  const int fd = connect_loopback(port);
  if (fd < 0) return {};
  send_all(fd, request);
  return read_reply(fd);
}

inline std::string http_request(const std::string& method, const std::string& path, const std::string& body,
                                const std::string& content_type = "application/json") {
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
  if (!body.empty() || method == "POST" || method == "PUT")
    request += "Content-Type: " + content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return request + "\r\n" + body;
}

inline HttpReply http(int port, const std::string& method, const std::string& path, const std::string& body = "") {
  return raw_http(port, http_request(method, path, body));
}

// A child process that prints the port it listens on; its stdout and stderr go to log and
// log + ".err". Killed when destroyed, unless it has exited.
class ListeningProcess {
 public:
  // argv[0]: the program's path; port_pattern: a regex whose first group is the port.
  ListeningProcess(std::vector<std::string> argv, const std::filesystem::path& log, const std::string& port_pattern)
      : log_(log) {
    std::vector<char*> pointers;
    for (auto& a : argv) pointers.push_back(a.data());
    pointers.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, (log.string() + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int failed = posix_spawn(&pid_, argv[0].c_str(), &actions, nullptr, pointers.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (failed) throw std::runtime_error("cannot start " + argv[0]);
    // A process that fails to start exits instead of printing its port.
    const std::regex listening(port_pattern);
    for (int tries = 0; tries < 600 && port_ == 0; ++tries) {
      std::smatch match;
      const std::string out = output();
      if (std::regex_search(out, match, listening)) port_ = std::stoi(match[1]);
      else if (exited()) break;
      else std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~ListeningProcess() {
    if (!status_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ListeningProcess(const ListeningProcess&) = delete;
  ListeningProcess& operator=(const ListeningProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string output() const {
    std::ifstream in(log_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string errors() const {
    std::ifstream in(log_.string() + ".err");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  bool exited() {
    if (status_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    return status_.has_value();
  }
  // Sends the signal and waits up to `seconds` for the exit; the wait status, or none.
  std::optional<int> stop(int signal, double seconds = 10.0) {
    ::kill(pid_, signal);
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (!exited() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return status_;
  }

 private:
  std::filesystem::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::optional<int> status_;
};

// certnn serve MODEL ARGS... --port 0.
class ServeProcess : public ListeningProcess {
 public:
  // args after "serve": the model and options.
  ServeProcess(const std::vector<std::string>& args, const std::filesystem::path& log)
      : ListeningProcess(serve_argv(args), log, R"(listening on http://[^:]+:(\d+)/)") {}

 private:
  static std::vector<std::string> serve_argv(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {CERTNN_CLI, "serve"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--port", "0"});
    return argv;
  }
};

}  // namespace certnn::test
