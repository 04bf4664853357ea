// caseledger-bench: the C++ half of tools/bench (docs/PERFORMANCE.md). Each mode measures one
// thing and prints one JSON object on stdout; progress goes to stderr.
//
//   fsync   --dir D --seconds S             write 4 KiB and fdatasync, in a loop: the disk's limit
//   append  --dir D --setup F --work F --writers N --seconds S
//           the ledger in-process (a new ledger in D/ledger: rules, sealing, the sequencer),
//           N writers each appending their families' import lines in order; then RocksDB
//           alone (D/raw) writing the same keys and bytes per request, sync=true, N threads
//   http    --url U --work F --tokens F --connections N --seconds S
//           POSTs the lines of F (family, path, actor, body; tab-separated) over N keep-alive
//           connections (a minimal client: requests built in advance), each connection its
//           families' lines in order
//   scan    --data D                        a raw RocksDB iterator over D's events
//
// Nothing here is a test: it reports figures, and tools/bench_report.py checks they are there.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ledger/bench/raw_peer.h"
#include "ledger/clock.h"
#include "ledger/json_codec.h"
#include "ledger/store.h"
#include "tools/common.h"

namespace caseledger::tools {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::vector<std::string> ReadLines(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<std::string> Split(const std::string& line, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t pos; (pos = line.find(sep, start)) != std::string::npos; start = pos + 1) {
    parts.push_back(line.substr(start, pos - start));
  }
  parts.push_back(line.substr(start));
  return parts;
}

// Latencies in microseconds, sorted on demand.
double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(i, values.size() - 1)];
}

std::string Fixed(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// ---- fsync -------------------------------------------------------------------------------

int Fsync(const std::string& dir, double seconds) {
  std::filesystem::create_directories(dir);
  const std::string file = dir + "/fsync-probe";
  int fd = ::open(file.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + file);
  std::string block(4096, 'x');
  uint64_t n = 0;
  const auto start = Clock::now();
  while (Since(start) < seconds) {
    if (::pwrite(fd, block.data(), block.size(), static_cast<off_t>((n % 256) * 4096)) < 0 ||
        ::fdatasync(fd) != 0) {
      ::close(fd);
      throw std::runtime_error("write or fdatasync failed in " + dir);
    }
    ++n;
  }
  const double elapsed = Since(start);
  ::close(fd);
  std::filesystem::remove(file);
  std::cout << "{\"fsyncs\":" << n << ",\"seconds\":" << Fixed(elapsed, 3)
            << ",\"per_s\":" << Fixed(static_cast<double>(n) / elapsed) << "}\n";
  return 0;
}

// ---- append (in-process) --------------------------------------------------------------

// Each writer's requests, in order: a family's lines stay with one writer.
std::vector<std::vector<ledger::AppendRequest>> Partition(const std::vector<std::string>& lines,
                                                          int writers) {
  std::vector<std::vector<ledger::AppendRequest>> out(static_cast<size_t>(writers));
  std::map<std::string, size_t> owner;
  for (const auto& line : lines) {
    auto request = ledger::ParseAppendJson(line, ledger::AppendJsonForm::kImportLine);
    if (!request.ok())
      throw std::runtime_error("a work line does not parse: " + line.substr(0, 80));
    auto [it, added] = owner.emplace(request->stream, owner.size() % out.size());
    out[it->second].push_back(std::move(request).value());
  }
  return out;
}

struct RunResult {
  uint64_t requests = 0, events = 0, errors = 0;
  double seconds = 0, cpu_seconds = 0;
  std::string first_error;
};

std::string RunJson(const RunResult& r) {
  return "{\"requests\":" + std::to_string(r.requests) + ",\"events\":" + std::to_string(r.events) +
         ",\"errors\":" + std::to_string(r.errors) + ",\"seconds\":" + Fixed(r.seconds, 3) +
         ",\"per_s\":" + Fixed(static_cast<double>(r.events) / r.seconds) +
         ",\"requests_per_s\":" + Fixed(static_cast<double>(r.requests) / r.seconds) +
         ",\"cpu_us_per_append\":" +
         Fixed(r.cpu_seconds * 1e6 / static_cast<double>(std::max<uint64_t>(r.events, 1))) +
         ",\"first_error\":" + ledger::JsonQuote(r.first_error) + "}";
}

// Runs `work(writer, stop)` on `writers` threads started together, for at most `seconds`.
template <typename Work>
RunResult RunWriters(int writers, double seconds, Work work) {
  std::vector<RunResult> each(static_cast<size_t>(writers));
  std::barrier start_line(writers + 1);
  std::vector<std::thread> threads;
  Clock::time_point deadline;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      start_line.arrive_and_wait();
      work(w, deadline, &each[static_cast<size_t>(w)]);
    });
  }
  const double cpu_start = CpuSeconds();
  const auto start = Clock::now();
  deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  start_line.arrive_and_wait();
  for (auto& t : threads) t.join();
  RunResult total;
  total.seconds = Since(start);
  total.cpu_seconds = CpuSeconds() - cpu_start;
  for (const auto& r : each) {
    total.requests += r.requests;
    total.events += r.events;
    total.errors += r.errors;
    if (total.first_error.empty()) total.first_error = r.first_error;
  }
  return total;
}

int Append(const std::string& dir, const std::string& setup_file, const std::string& work_file,
           int writers, double seconds) {
  std::filesystem::remove_all(dir);
  Common common;
  common.data_dir = dir + "/ledger";
  ledger::SystemClock clock;
  auto opened = OpenLedger(common, clock, /*read_only=*/false);
  if (!opened.ok()) return Fail(opened.status());
  auto ledger = std::make_unique<Ledger>(std::move(opened).value());
  for (const auto& line : ReadLines(setup_file)) {
    auto request = ledger::ParseAppendJson(line, ledger::AppendJsonForm::kImportLine);
    if (!request.ok()) return Fail(request.status());
    auto appended = ledger->store->Append(std::move(request).value());
    if (!appended.ok()) return Fail(appended.status());
  }
  const uint64_t setup_events = ledger->store->Size();
  auto work = Partition(ReadLines(work_file), writers);
  spdlog::info("append: {} writers, the ledger", writers);

  // Each writer's appended requests (first seq, events), for the raw peer's same writes.
  std::vector<std::vector<std::pair<uint64_t, uint32_t>>> done(work.size());
  const ledger::StoreStats before = ledger->store->Stats();
  RunResult ours =
      RunWriters(writers, seconds, [&](int w, Clock::time_point deadline, RunResult* r) {
        for (auto& request : work[static_cast<size_t>(w)]) {
          if (Clock::now() >= deadline) break;
          auto appended = ledger->store->Append(std::move(request));
          if (!appended.ok()) {
            if (r->errors++ == 0) r->first_error = appended.status().ToString();
            break;  // the family's later lines would be refused too
          }
          ++r->requests;
          r->events += appended->events.size();
          done[static_cast<size_t>(w)].push_back(
              {appended->events.front().seq, static_cast<uint32_t>(appended->events.size())});
        }
      });
  const ledger::StoreStats after = ledger->store->Stats();
  const uint64_t batches = after.batches - before.batches;
  ledger.reset();  // closed: the raw peer reads its files

  spdlog::info("append: {} writers, RocksDB alone with the same keys and bytes", writers);
  std::vector<std::vector<ledger::RawBatch>> raw_work;
  for (const auto& requests : done) {
    auto captured = ledger::RawPeer::Capture(common.data_dir, requests);
    if (!captured.ok()) return Fail(captured.status());
    raw_work.push_back(std::move(captured).value());
  }
  auto peer = ledger::RawPeer::Create(dir + "/raw");
  if (!peer.ok()) return Fail(peer.status());
  RunResult raw =
      RunWriters(writers, seconds, [&](int w, Clock::time_point deadline, RunResult* r) {
        for (const auto& batch : raw_work[static_cast<size_t>(w)]) {
          if (Clock::now() >= deadline) break;
          Status written = (*peer)->Write(batch);
          if (!written.ok()) {
            if (r->errors++ == 0) r->first_error = written.ToString();
            break;
          }
          ++r->requests;
          r->events += batch.events;
        }
      });
  std::cout << "{\"writers\":" << writers << ",\"setup_events\":" << setup_events
            << ",\"ledger\":" << RunJson(ours) << ",\"batches\":" << batches
            << ",\"requests_per_batch\":"
            << Fixed(static_cast<double>(ours.requests) /
                         static_cast<double>(std::max<uint64_t>(batches, 1)),
                     2)
            << ",\"raw\":" << RunJson(raw) << "}\n";
  return 0;
}

// ---- http ----------------------------------------------------------------------------------

// A minimal HTTP/1.1 client on one keep-alive connection: the requests are built before the
// clock starts, and an answer is read by its Content-Length, so that the client's own CPU (on
// the same 2 cores as the server) stays small, as pgbench's does beside PostgreSQL.
class Connection {
 public:
  Connection(const std::string& host, int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (fd_ < 0 || ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
        ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port));
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Connection() { ::close(fd_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends one whole request and reads its answer: the status (0 when the connection failed).
  int RoundTrip(const std::string& request, std::string* body) {
    for (size_t sent = 0; sent < request.size();) {
      ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return 0;
      sent += static_cast<size_t>(n);
    }
    size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return 0;
    }
    const std::string head = buffer_.substr(0, head_end);
    const int status = head.size() > 12 ? std::atoi(head.c_str() + 9) : 0;
    size_t length = 0;
    for (size_t pos = head.find("\r\n"); pos != std::string::npos;
         pos = head.find("\r\n", pos + 2)) {
      if (strncasecmp(head.c_str() + pos + 2, "Content-Length:", 15) == 0) {
        length = std::strtoul(head.c_str() + pos + 17, nullptr, 10);
      }
    }
    while (buffer_.size() < head_end + 4 + length) {
      if (!Fill()) return 0;
    }
    body->assign(buffer_, head_end + 4, length);
    buffer_.erase(0, head_end + 4 + length);
    return status;
  }

 private:
  bool Fill() {
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buffer_;
};

int Http(const std::string& url, const std::string& work_file, const std::string& tokens_file,
         int connections, double seconds) {
  const std::string prefix = "http://";
  const size_t colon = url.rfind(':');
  if (url.rfind(prefix, 0) != 0 || colon < prefix.size()) {
    throw std::runtime_error("--url must be http://HOST:PORT with HOST an IPv4 address");
  }
  const std::string host = url.substr(prefix.size(), colon - prefix.size());
  const int port = std::atoi(url.c_str() + colon + 1);
  std::map<std::string, std::string> tokens;  // actor key -> bearer token
  for (const auto& line : ReadLines(tokens_file)) {
    auto parts = Split(line, '\t');
    if (parts.size() == 2) tokens[parts[0]] = parts[1];
  }
  std::vector<std::vector<std::string>> work(static_cast<size_t>(connections));
  std::map<std::string, size_t> owner;
  for (const auto& line : ReadLines(work_file)) {
    auto parts = Split(line, '\t');
    if (parts.size() != 4 || tokens.count(parts[2]) == 0) {
      throw std::runtime_error("a work line is not family, path, actor (with a token), body");
    }
    auto [it, added] = owner.emplace(parts[0], owner.size() % work.size());
    work[it->second].push_back("POST " + parts[1] + " HTTP/1.1\r\nHost: " + host +
                               "\r\nAuthorization: Bearer " + tokens[parts[2]] +
                               "\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(parts[3].size()) + "\r\n\r\n" + parts[3]);
  }
  // The connections are opened (and a first request answered) before the clock starts.
  std::vector<std::unique_ptr<Connection>> clients;
  for (int c = 0; c < connections; ++c) {
    clients.push_back(std::make_unique<Connection>(host, port));
    std::string body;
    if (clients.back()->RoundTrip("GET /healthz HTTP/1.1\r\nHost: " + host + "\r\n\r\n", &body) !=
        200) {
      throw std::runtime_error("no answer from " + url + "/healthz");
    }
  }
  std::vector<std::vector<double>> latencies(static_cast<size_t>(connections));
  std::mutex statuses_lock;
  std::map<int, uint64_t> statuses;
  RunResult r =
      RunWriters(connections, seconds, [&](int c, Clock::time_point deadline, RunResult* out) {
        Connection& client = *clients[static_cast<size_t>(c)];
        std::map<int, uint64_t> mine;
        std::string body;
        for (const auto& request : work[static_cast<size_t>(c)]) {
          if (Clock::now() >= deadline) break;
          const auto sent = Clock::now();
          const int status = client.RoundTrip(request, &body);
          latencies[static_cast<size_t>(c)].push_back(Since(sent) * 1e6);
          ++mine[status];
          if (status != 201 && status != 200) {
            if (out->errors++ == 0) {
              out->first_error = std::to_string(status) + " " + (status ? body : "no answer");
            }
            break;
          }
          ++out->requests;
          // The events of the request are counted from the answer.
          for (size_t pos = 0; (pos = body.find("\"seq\"", pos)) != std::string::npos; ++pos) {
            ++out->events;
          }
        }
        std::lock_guard<std::mutex> hold(statuses_lock);
        for (auto [s, n] : mine) statuses[s] += n;
      });
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::cout << "{\"connections\":" << connections << ",\"run\":" << RunJson(r)
            << ",\"p50_ms\":" << Fixed(Percentile(all, 0.50) / 1000, 2)
            << ",\"p99_ms\":" << Fixed(Percentile(all, 0.99) / 1000, 2) << ",\"statuses\":{";
  bool first = true;
  for (auto [s, n] : statuses) {
    std::cout << (first ? "" : ",") << "\"" << s << "\":" << n;
    first = false;
  }
  std::cout << "}}\n";
  return 0;
}

// ---- scan ----------------------------------------------------------------------------------

int Scan(const std::string& data) {
  const auto start = Clock::now();
  auto scan = ledger::RawPeer::ScanEvents(data);
  if (!scan.ok()) return Fail(scan.status());
  const double elapsed = Since(start);
  std::cout << "{\"events\":" << scan->events << ",\"bytes\":" << scan->bytes
            << ",\"seconds\":" << Fixed(elapsed, 3)
            << ",\"per_s\":" << Fixed(static_cast<double>(scan->events) / elapsed)
            << ",\"checksum\":" << scan->checksum << "}\n";
  return 0;
}

}  // namespace
}  // namespace caseledger::tools

int main(int argc, char** argv) {
  using namespace caseledger::tools;
  spdlog::set_default_logger(spdlog::stderr_color_mt("bench"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  CLI::App app{"caseledger-bench: the measurements of tools/bench (docs/PERFORMANCE.md)"};
  app.require_subcommand(1);
  std::string dir, setup, work, url, tokens, data;
  int writers = 1, connections = 32;
  double seconds = 10;
  auto* fsync = app.add_subcommand("fsync", "the disk's fsync rate (4 KiB write + fdatasync)");
  fsync->add_option("--dir", dir, "a folder on the disk to measure")->required();
  fsync->add_option("--seconds", seconds)->capture_default_str();
  auto* append = app.add_subcommand(
      "append", "durable appends in-process: the ledger, then RocksDB alone with its writes");
  append->add_option("--dir", dir, "a scratch folder (emptied first)")->required();
  append->add_option("--setup", setup, "import lines appended before the clock starts")->required();
  append->add_option("--work", work, "import lines to append, per family in order")->required();
  append->add_option("--writers", writers)->capture_default_str();
  append->add_option("--seconds", seconds, "at most")->capture_default_str();
  auto* http = app.add_subcommand("http", "durable appends over HTTP, keep-alive connections");
  http->add_option("--url", url, "the server, e.g. http://127.0.0.1:8080")->required();
  http->add_option("--work", work, "family, path, actor, body per line (tabs)")->required();
  http->add_option("--tokens", tokens, "actor, bearer token per line (tabs)")->required();
  http->add_option("--connections", connections)->capture_default_str();
  http->add_option("--seconds", seconds, "at most")->capture_default_str();
  auto* scan = app.add_subcommand("scan", "a raw RocksDB iterator over a ledger's events");
  scan->add_option("--data", data, "the ledger's data folder")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    if (*fsync) return Fsync(dir, seconds);
    if (*append) return Append(dir, setup, work, writers, seconds);
    if (*http) return Http(url, work, tokens, connections, seconds);
    if (*scan) return Scan(data);
  } catch (const std::exception& e) {
    std::cerr << "caseledger-bench: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
