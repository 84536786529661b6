// certnn serve MODEL [--port P] [--host H] [--eps E] [--method M] [--budget-ms T] [--threads N]
// [--connections C] [--max-batch B] [--guard GUARD.json] [--max-body BYTES] ...: the guarded inference server. serve::Service holds
// the behaviour; this file carries HTTP (cpp-httplib) to it and stops it on SIGINT or SIGTERM.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "certnn/core/error.hpp"
#include "certnn/core/text_file.hpp"
#include "certnn/serve/service.hpp"
#include "cli_common.hpp"
#include "commands.hpp"
#include "domain_option.hpp"

// Last: it includes <resolv.h>, whose macro _res would rename a parameter in Eigen's headers.
#include <httplib.h>

namespace certnn::cli {
namespace {

struct ServeOptions {
  std::string model, host = "127.0.0.1", method = "crown", domain = "0,1", guard;
  int port = 8080, threads = 2, connections = 32;
  double eps = 0.01;
  std::int64_t budget_ms = 1000, max_inputs = 256, max_batch = 64;
  std::size_t max_body = 1 << 20;
  std::optional<double> max_norm;
};

// Seconds a connection may stay idle or take to send its request: a slow client holds a worker
// no longer than this.
constexpr time_t kReadTimeoutSeconds = 5;
// Requests one connection may send before the server closes it (httplib's default is 5).
constexpr std::size_t kKeepAliveRequests = 1000;

const char* const kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
const char* const kPaths[] = {"/", "/v1/predict", "/v1/model", "/healthz", "/metrics"};

void answer(httplib::Response& res, const serve::HttpResponse& response) {
  res.status = response.status;
  for (const auto& [name, value] : response.headers) res.set_header(name, value);
  res.set_content(response.body, response.content_type);
}

// Unlike StopOnSignal (interruption.hpp), a server stopped by a signal has done its job: it exits
// 0. The signals are blocked in every thread and taken here synchronously, so stopping the server
// happens outside a signal handler. A signal that comes while the server is still starting is
// kept until it listens: httplib's stop() does nothing before then.
class SignalWatcher {
 public:
  explicit SignalWatcher(httplib::Server& server) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, &previous_);
    thread_ = std::thread([this, &server] {
      const timespec poll{0, 100'000'000};
      while (!done_.load()) {
        const int signal = sigtimedwait(&signals_, nullptr, &poll);
        if (signal != SIGINT && signal != SIGTERM) continue;
        std::cout << "certnn serve: " << (signal == SIGTERM ? "SIGTERM" : "SIGINT")
                  << ", finishing the requests in flight" << std::endl;
        // bound_ orders the socket's creation before its closing in stop(): httplib's own atomics
        // are not instrumented, so ThreadSanitizer would see two unordered writes.
        while (!done_.load() && !(bound_.load(std::memory_order_acquire) && server.is_running()))
          std::this_thread::sleep_for(std::chrono::milliseconds(1));
        if (!done_.load()) server.stop();
        return;
      }
    });
  }
  ~SignalWatcher() {
    done_.store(true);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // Called once the listening socket exists.
  void bound() { bound_.store(true, std::memory_order_release); }

 private:
  sigset_t signals_{}, previous_{};
  std::atomic<bool> done_{false}, bound_{false};
  std::thread thread_;
};

serve::ServiceSettings service_settings(const ServeOptions& o, const model::Network& network) {
  serve::ServiceSettings settings;
  settings.certify.eps = o.eps;
  settings.certify.method = o.method;
  settings.certify.domain = parse_domain(o.domain);
  settings.certify.budget = std::chrono::milliseconds(o.budget_ms);
  settings.certify.threads = o.threads;
  settings.limits.max_body = o.max_body;
  settings.limits.max_inputs = o.max_inputs;
  settings.limits.max_norm = o.max_norm;
  settings.max_batch = o.max_batch;
  if (!o.guard.empty()) settings.guard = serve::parse_guard(read_text_file(o.guard), network, o.guard);
  return settings;
}

void run_serve(const ServeOptions& o) {
  const model::Network network = load_model(o.model);
  httplib::Server server;
  // Before any thread starts (the certificate workers, the HTTP workers), so all inherit the mask.
  SignalWatcher watcher(server);
  serve::Service service(network, service_settings(o, network));

  // httplib keeps a worker for each open connection until it closes, so the HTTP pool is sized by
  // connections; the bound computations run on the --threads certificate workers.
  server.new_task_queue = [n = o.connections] { return new httplib::ThreadPool(static_cast<size_t>(n)); };
  server.set_keep_alive_max_count(kKeepAliveRequests);
  // Answers are small and written in pieces (status line and headers, then body): without
  // TCP_NODELAY each waits for the client's delayed acknowledgement, some 40 ms.
  server.set_tcp_nodelay(true);
  server.set_payload_max_length(o.max_body);
  server.set_read_timeout(kReadTimeoutSeconds, 0);
  server.set_keep_alive_timeout(kReadTimeoutSeconds);
  const auto handler = [&service](const httplib::Request& req, httplib::Response& res) {
    answer(res, service.handle({req.method, req.path, req.body}));
  };
  for (const char* path : kPaths) {
    server.Get(path, handler);
    server.Post(path, handler);
    server.Put(path, handler);
    server.Delete(path, handler);
    server.Patch(path, handler);
    server.Options(path, handler);
  }
  // Errors httplib answers itself (an unknown path, a body over the limit, a request it cannot
  // read) get the JSON body every other error has; the service's own errors already have one.
  server.set_error_handler(httplib::Server::HandlerWithResponse([&service, max_body = o.max_body](
                                                                    const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const auto& [reason, message] =
        res.status == 404   ? std::pair<std::string, std::string>{"not_found", "no such path; see GET /v1/model"}
        : res.status == 413 ? std::pair<std::string, std::string>{"body_too_large", "the body is over the limit of " +
                                                                                        std::to_string(max_body) + " bytes"}
                            : std::pair<std::string, std::string>{"bad_request", "the request could not be read"};
    answer(res, service.refuse(req.path, res.status, reason, message));
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content(R"({"error":"internal error","reason":"internal"})", "application/json");
  });

  int port = o.port;
  if (port == 0) {
    port = server.bind_to_any_port(o.host);
    if (port < 0) throw Error("serve: cannot listen on " + o.host);
  } else if (!server.bind_to_port(o.host, port)) {
    throw Error("serve: cannot listen on " + o.host + ":" + std::to_string(port) + " (in use, or not an address here)");
  }
  watcher.bound();
  std::cout << "certnn serve: listening on http://" << o.host << ":" << port << "/ (" << o.model << ", " << o.method
            << " certificates at eps " << format_real(o.eps) << ", budget " << o.budget_ms << " ms, " << o.threads
            << " certificate threads, " << o.connections << " connections, forward batches of up to " << o.max_batch
            << " inputs" << (o.guard.empty() ? "" : ", guard " + o.guard) << ")" << std::endl;
  if (!server.listen_after_bind() && server.is_running()) throw Error("serve: the server stopped unexpectedly");
  std::cout << "certnn serve: stopped" << std::endl;
}

}  // namespace

Action register_serve(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Serve predictions with certificates over HTTP, refusing inputs it cannot answer");
  cmd->footer(
      "POST /v1/predict {\"input\":[...]} or {\"inputs\":[[...],...]}, optional \"certify\" and \"radius\" (booleans); "
      "GET /v1/model, /healthz, /metrics (Prometheus), / (a page to try it). A certificate not finished within "
      "--budget-ms is answered as \"certified\": null; the prediction is never held back. SIGINT or SIGTERM "
      "finishes the requests in flight and exits 0.");
  cmd->add_option("model", o->model, "ONNX model file")->required();
  cmd->add_option("--host", o->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o->port, "Port to listen on; 0 picks a free one (printed)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--eps", o->eps, "Radius of the L-inf ball each prediction is certified over")
      ->check(non_negative_number)
      ->capture_default_str();
  cmd->add_option("--method", o->method, "Sound bound method of the certificates")->capture_default_str();
  cmd->add_option("--domain", o->domain, "Input domain LO,HI: inputs outside are refused, balls clipped to it; or none")
      ->capture_default_str();
  cmd->add_option("--budget-ms", o->budget_ms, "Time a request waits for its certificates, in milliseconds")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{600'000}))
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "Certificate workers (bound computations in parallel)")
      ->check(thread_count)
      ->capture_default_str();
  cmd->add_option("--connections", o->connections, "Connections served at once (one HTTP worker each)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  cmd->add_option("--guard", o->guard, "Guard file from certnn guard fit: flags inputs unlike the training data");
  cmd->add_option("--max-body", o->max_body, "Largest request body in bytes (413 above)")
      ->check(CLI::Range(std::size_t{16}, std::size_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--max-inputs", o->max_inputs, "Most inputs in one request")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--max-batch", o->max_batch,
                  "Most inputs of concurrent requests joined into one forward pass; 1: each request alone")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 16))
      ->capture_default_str();
  cmd->add_option("--max-norm", o->max_norm, "Largest L2 norm of an input (refused above)")->check(positive_number);
  return [o] { run_serve(*o); };
}

}  // namespace certnn::cli
