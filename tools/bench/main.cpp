// zchat-bench: options -> brokers to measure (zchat, and the baseline forwarder) -> runs of
// simulated clients -> report. Also the forwarder itself, when started with --forwarder, and one
// worker process of --procs, when started with --worker.
#include "proto/defaults.hpp"
#include "proto/runtime/endpoint.hpp"
#include "proto/runtime/man_options.hpp"
#include "proto/runtime/process.hpp"
#include "proto/runtime/verbosity.hpp"
#include "tools/bench/child_process.hpp"
#include "tools/bench/forwarder.hpp"
#include "tools/bench/payload.hpp"
#include "tools/bench/proc_stat.hpp"
#include "tools/bench/report.hpp"
#include "tools/bench/worker.hpp"

#include <cxxopts.hpp>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

namespace {

using namespace zchat::bench;
using std::chrono::milliseconds;
using zchat::runtime::exit_failure;
using zchat::runtime::exit_ok;
using zchat::runtime::exit_usage;

constexpr auto spawn_timeout = milliseconds(10000);
constexpr auto start_delay = milliseconds(200);

double seconds_since(std::chrono::steady_clock::time_point then) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - then).count();
}

struct settings {
    std::string router;
    std::string pub;
    std::string spawn;
    long broker_pid = 0;
    std::vector<std::string> broker_args;
    int verbosity = 0; // -v and -q: progress lines, and the spawned broker's log level
    bool keep_rate_limit = false;
    std::string mode = "fixed";
    std::uint32_t clients = 10;
    std::uint32_t publishers = 2;
    std::uint32_t rooms = 1;
    double rate = 1000;
    std::size_t size = 64;
    double duration = 5;
    double warmup = 1;
    bool baseline = false;
    bool json = false;
    std::string csv;
    std::string hgrm;
    std::uint32_t procs = 1;
    std::uint32_t max_steps = 15;
    std::uint32_t relays = 0; // zchat-relays spawned in front of the spawned broker
};

// A broker under test: spawned (zchat-broker or the forwarder) or given by its endpoints.
struct target {
    std::string name;
    std::unique_ptr<child_process> child;
    std::string router;
    std::string pub;
    long pid = 0;
    int runs = 0;
    // Relays in front of it: the clients connect to these instead, worker i to relay i % n.
    std::vector<std::unique_ptr<child_process>> relays;
    // The one-hop limit's forwarder is told each run's schedule (start time included) as soon
    // as it is known, since it sends the lines itself.
    std::function<void(const worker_config&)> announce;
};

// Tells t the schedule of a run starting at start_ns, if it needs it.
void announce_start(const target& t, worker_config run, std::int64_t start_ns) {
    if (!t.announce)
        return;
    run.start_ns = start_ns;
    t.announce(run);
}

// Tells t that the run is over: a schedule without lines.
void announce_end(const target& t) {
    if (t.announce)
        t.announce(worker_config{});
}

// Where the clients of worker `i` connect: the target itself, or one of its relays.
zchat::runtime::bound_endpoints entry_for(const target& t, std::uint32_t i) {
    if (t.relays.empty())
        return {t.router, t.pub};
    return t.relays[i % t.relays.size()]->endpoints();
}

double self_cpu_seconds() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    auto seconds = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(u.ru_utime) + seconds(u.ru_stime);
}

milliseconds ms(double seconds) {
    return milliseconds(static_cast<long>(seconds * 1000));
}

constexpr const char* more_help =
    "\nA spawned broker is started with --rate 0 (its per-session rate limit lifted) unless\n"
    "--keep-rate-limit is given, and logs warnings only (-q: errors; -v: as by default).\n"
    "Each line is due to all C clients (with --rooms N, all those of its room), the sender's\n"
    "own SUB included. Progress shows on stderr when it is a terminal.\n"
    "Exit codes: 0 success, 1 runtime failure (a broker that cannot be started or joined), 2 "
    "usage error.\n";

// -q and -v: progress on stderr never (below 0), on a terminal only (0, so that logs and pipes
// stay clean), or also into a pipe or file, a line a second (above 0). Set once, by main.
int progress_verbosity = 0;

void progress(const std::string& text) {
    static const bool terminal = isatty(STDERR_FILENO) != 0;
    if (progress_verbosity < 0)
        return;
    if (terminal)
        std::cerr << "\r\033[K" << text << std::flush;
    else if (progress_verbosity > 0 && !text.empty())
        std::cerr << "zchat-bench: " << text << std::endl;
}

// The 1-minute load average, so a reader can see that other work shared the machine.
std::string load_average() {
    const auto text = read_proc_file("/proc/loadavg");
    return text ? text->substr(0, text->find(' ')) : "?";
}

void start(target& t, const std::vector<std::string>& argv) {
    t.child = std::make_unique<child_process>(argv, spawn_timeout);
    t.router = t.child->endpoints().router;
    t.pub = t.child->endpoints().pub;
    t.pid = t.child->pid();
}

// Reads from fd into `buffer` until it holds `wanted` (or the stream ends, or the deadline
// passes); returns whether it does.
bool read_until(int fd, std::string& buffer, std::string_view wanted,
                std::chrono::steady_clock::time_point deadline) {
    while (buffer.find(wanted) == std::string::npos) {
        const auto left =
            std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0)
            return false;
        char chunk[65536];
        const ssize_t got = read(fd, chunk, sizeof chunk);
        if (got <= 0)
            return false;
        buffer.append(chunk, static_cast<std::size_t>(got));
    }
    return true;
}

// What can be told of a worker that said nothing by its deadline: where its main thread
// waits and how much CPU it used, so that a stall can be told from a slow join.
std::string silent_worker(pid_t pid) {
    const std::string proc = "/proc/" + std::to_string(pid);
    const auto wchan = read_proc_file(proc + "/wchan");
    const auto sample = sample_process(pid);
    if (!sample)
        return "worker " + std::to_string(pid) + " ended without a word";
    return "worker " + std::to_string(pid) + " said nothing (waiting in " +
           (wchan && !wchan->empty() ? *wchan : std::string{"?"}) + ", " +
           std::to_string(sample->cpu_seconds) + " s of CPU)";
}

// One worker process of --procs: its pid, a pipe to it (its share, then the start time) and one
// from it ("joined", then its share of the result).
struct worker_process {
    pid_t pid = -1;
    int to = -1;
    int from = -1;
    std::string received;
};

// Writes all of `text` to fd; returns whether it could.
bool write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = write(fd, text.data(), text.size());
        if (n <= 0)
            return false;
        text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

// Starts a worker as a fresh `zchat-bench --worker` (fork and exec: a bare fork would carry
// this process's threads' state into the child) and hands it its share on its stdin.
worker_process start_worker(const worker_config& wc) {
    int down[2] = {-1, -1};
    int up[2] = {-1, -1};
    const auto close_all = [&] {
        for (const int fd : {down[0], down[1], up[0], up[1]})
            if (fd >= 0)
                close(fd);
    };
    if (pipe2(down, O_CLOEXEC) != 0 || pipe2(up, O_CLOEXEC) != 0) {
        close_all();
        throw std::runtime_error("cannot make pipes for the workers");
    }
    const std::string self = self_executable();
    std::string mode = "--worker";
    char* const args[] = {const_cast<char*>(self.c_str()), mode.data(), nullptr};
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        close_all();
        throw std::runtime_error("cannot fork a worker");
    }
    if (pid == 0) {
        // Only async-signal-safe calls until exec.
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        dup2(down[0], STDIN_FILENO);
        dup2(up[1], STDOUT_FILENO);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execv(args[0], args);
        _exit(127);
    }
    close(down[0]);
    close(up[1]);
    worker_process w{pid, down[1], up[0], {}};
    if (!write_all(w.to, serialize(wc))) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        close(w.to);
        close(w.from);
        throw std::runtime_error("cannot hand a worker its share");
    }
    return w;
}

// The worker's side (zchat-bench --worker): reads its share from stdin, says "joined" on
// stdout once its clients have joined, takes the start time from stdin, runs, and writes its
// share of the result to stdout.
int serve_share() {
    std::string text;
    std::optional<worker_config> wc;
    if (read_until(STDIN_FILENO, text, "\nend\n", std::chrono::steady_clock::now() + spawn_timeout))
        wc = parse_worker_config(text);
    if (!wc) {
        write_all(STDOUT_FILENO, "failed no worker configuration on stdin\n");
        return exit_usage;
    }
    int code = exit_ok;
    std::string out;
    try {
        worker_hooks hooks;
        hooks.joined = [] {
            if (!write_all(STDOUT_FILENO, "joined\n"))
                throw std::runtime_error("lost the orchestrator");
        };
        hooks.start_time = []() -> std::optional<std::chrono::nanoseconds> {
            pollfd p{STDIN_FILENO, POLLIN, 0};
            if (poll(&p, 1, 0) <= 0 || p.revents == 0)
                return std::nullopt;
            std::int64_t start = 0;
            // Eight bytes written at once arrive at once (they are under PIPE_BUF).
            if (read(STDIN_FILENO, &start, sizeof start) != sizeof start)
                throw std::runtime_error("lost the orchestrator");
            return std::chrono::nanoseconds(start);
        };
        hooks.window = [](bool) {};
        out = serialize(run_worker(*wc, hooks));
    } catch (const std::exception& e) {
        out = std::string{"failed "} + e.what() + "\n";
        code = exit_failure;
    }
    write_all(STDOUT_FILENO, out);
    return code;
}

// Splits the clients (and publishers) over s.procs worker processes, starts them together,
// samples CPU at the window's edges, and merges their shares.
run_result run_split(target& t, const settings& s, const worker_config& base, double& bench_cpu,
                     double& join_seconds, std::optional<process_sample>& broker_before,
                     std::optional<process_sample>& broker_after) {
    const auto spawned = std::chrono::steady_clock::now();
    const std::uint32_t k = std::min(s.procs, base.clients);
    std::vector<worker_process> workers;
    std::uint32_t first_client = 0;
    std::uint32_t first_publisher = 0;
    for (std::uint32_t i = 0; i < k; ++i) {
        worker_config wc = base;
        const zchat::runtime::bound_endpoints entry = entry_for(t, i);
        wc.router_endpoint = entry.router;
        wc.pub_endpoint = entry.pub;
        wc.clients = base.clients / k + (i < base.clients % k ? 1 : 0);
        wc.local_publishers = base.publishers / k + (i < base.publishers % k ? 1 : 0);
        wc.first_client = first_client;
        wc.first_publisher = first_publisher;
        first_client += wc.clients;
        first_publisher += wc.local_publishers;
        try {
            workers.push_back(start_worker(wc));
        } catch (const std::exception&) {
            for (auto& w : workers) {
                kill(w.pid, SIGKILL);
                waitpid(w.pid, nullptr, 0);
                close(w.to);
                close(w.from);
            }
            throw;
        }
    }
    auto finish = [&] {
        for (auto& w : workers) {
            close(w.to);
            close(w.from);
            int status = 0;
            waitpid(w.pid, &status, 0);
        }
    };
    const auto join_deadline =
        std::chrono::steady_clock::now() + base.join_timeout + std::chrono::seconds(10);
    for (auto& w : workers) {
        if (!read_until(w.from, w.received, "joined\n", join_deadline)) {
            const std::string said = w.received.empty() ? silent_worker(w.pid) : w.received;
            for (auto& other : workers)
                kill(other.pid, SIGTERM);
            finish();
            throw std::runtime_error("a worker failed to join: " + said);
        }
        w.received.erase(0, w.received.find("joined\n") + 7);
    }
    join_seconds = seconds_since(spawned);
    const auto start = std::chrono::steady_clock::now() + start_delay;
    const std::int64_t start_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count();
    announce_start(t, base, start_ns);
    for (auto& w : workers)
        if (write(w.to, &start_ns, sizeof start_ns) != sizeof start_ns)
            throw std::runtime_error("lost a worker");
    auto bench_cpu_now = [&] {
        double cpu = self_cpu_seconds();
        for (const auto& w : workers)
            if (const auto p = sample_process(w.pid))
                cpu += p->cpu_seconds;
        return cpu;
    };
    std::this_thread::sleep_until(start + ms(s.warmup));
    const double bench_before = bench_cpu_now();
    if (t.pid > 0)
        broker_before = sample_process(t.pid);
    std::this_thread::sleep_until(start + ms(s.warmup) + ms(s.duration));
    bench_cpu = bench_cpu_now() - bench_before;
    if (t.pid > 0)
        broker_after = sample_process(t.pid);

    run_result whole;
    whole.target = t.name;
    whole.offered_rate = base.rate;
    whole.publishers = base.publishers;
    whole.rooms = base.rooms;
    whole.payload_bytes = std::max(base.payload_bytes, min_payload_bytes);
    whole.bench_loop_threads = 0;
    const auto result_deadline =
        std::chrono::steady_clock::now() + base.drain_timeout + std::chrono::seconds(10);
    std::string failure;
    for (auto& w : workers) {
        read_until(w.from, w.received, "\nend\n", result_deadline);
        const auto share = parse_run_result(w.received);
        if (!share) {
            failure = w.received.empty() ? "a worker ended without a result" : w.received;
            continue;
        }
        whole.seconds = share->seconds;
        merge(whole, *share);
    }
    finish();
    if (!failure.empty())
        throw std::runtime_error(failure);
    return whole;
}

run_result run_once(target& t, const settings& s, double rate, std::uint32_t clients,
                    std::uint32_t publishers, double churn_rate = 0) {
    worker_config wc;
    const zchat::runtime::bound_endpoints entry = entry_for(t, 0);
    wc.router_endpoint = entry.router;
    wc.pub_endpoint = entry.pub;
    wc.baseline = t.name != "zchat";
    wc.one_hop = t.name == "one-hop";
    wc.clients = clients;
    wc.all_clients = clients;
    wc.name_prefix = "b" + std::to_string(getpid() % 100000) + "r" + std::to_string(t.runs++) + "c";
    wc.publishers = publishers;
    wc.local_publishers = publishers;
    wc.rooms = s.rooms;
    wc.rate = rate;
    wc.churn_rate = churn_rate;
    wc.payload_bytes = s.size;
    wc.warmup = ms(s.warmup);
    wc.duration = ms(s.duration);
    wc.join_timeout = milliseconds(30000) + milliseconds(20) * clients;

    std::optional<process_sample> broker_before;
    std::optional<process_sample> broker_after;
    double bench_before = 0;
    double bench_after = 0;
    worker_hooks hooks;
    const auto joining = std::chrono::steady_clock::now();
    double join_seconds = 0;
    hooks.joined = [&] { join_seconds = seconds_since(joining); };
    hooks.start_time = [&] {
        const auto start = std::chrono::steady_clock::now().time_since_epoch() + start_delay;
        announce_start(t, wc, std::chrono::duration_cast<std::chrono::nanoseconds>(start).count());
        return std::optional{start};
    };
    hooks.window = [&](bool starting) {
        if (starting) {
            bench_before = self_cpu_seconds();
            if (t.pid > 0)
                broker_before = sample_process(t.pid);
        } else {
            bench_after = self_cpu_seconds();
            if (t.pid > 0)
                broker_after = sample_process(t.pid);
        }
    };
    const std::string label = t.name + " " + thousands(rate) + " lines/s: ";
    hooks.progress = [&](const std::string& text) { progress(label + text); };
    run_result r;
    if (s.procs > 1) {
        progress(label + "running in " + std::to_string(s.procs) + " worker processes");
        double bench_cpu = 0;
        r = run_split(t, s, wc, bench_cpu, join_seconds, broker_before, broker_after);
        bench_before = 0;
        bench_after = bench_cpu;
    } else {
        r = run_worker(wc, hooks);
    }
    announce_end(t);
    progress("");
    r.join_seconds = join_seconds;
    r.bench_cpu_seconds = bench_after - bench_before;
    if (broker_before && broker_after) {
        r.broker_cpu_seconds = broker_after->cpu_seconds - broker_before->cpu_seconds;
        r.broker_peak_rss_kib = static_cast<double>(broker_after->peak_rss_kib);
        r.broker_rss_kib = static_cast<double>(broker_after->rss_kib);
    }
    return r;
}

// Steps the rate up by 1.5x from --rate until a step fails twice in a row (a machine shared
// with other work stalls now and then; one retry keeps a single stall from ending the search);
// returns every step run.
std::vector<run_result> capacity_search(target& t, const settings& s) {
    std::vector<run_result> steps;
    double rate = s.rate;
    bool retried = false;
    for (std::uint32_t i = 0; i < s.max_steps; ++i) {
        steps.push_back(run_once(t, s, rate, s.clients, s.publishers));
        const run_result& r = steps.back();
        const std::string why = failure_reason(r);
        if (!s.json)
            std::cout << "  " << t.name << ' ' << thousands(rate)
                      << " lines/s: " << (why.empty() ? "pass" : "FAIL (" + why + ")") << ", "
                      << thousands(delivery_rate(r)) << " deliveries/s, e2e p99 "
                      << static_cast<double>(r.e2e_latency.percentile(99)) / 1e6 << " ms"
                      << (generator_bound(r) ? " [generator-bound: " + generator_note(r) + "]" : "")
                      << std::endl;
        if (!why.empty()) {
            if (retried)
                break;
            retried = true;
            continue; // the same rate once more
        }
        retried = false;
        rate = next_capacity_rate(rate);
    }
    return steps;
}

std::optional<run_result> best_passing(const std::vector<run_result>& steps) {
    std::optional<run_result> best;
    for (const auto& r : steps)
        if (passes(r))
            best = r;
    return best;
}

void write_file(const std::string& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

int run_idle(target& zchat, std::optional<target>& base, const settings& s) {
    // Idle: N joined clients that only PING; the broker's resident memory per client (at the
    // window's end, against before the clients connected) and its CPU per second.
    for (target* t : {&zchat, base ? &*base : nullptr}) {
        if (!t)
            continue;
        const auto before = t->pid > 0 ? sample_process(t->pid) : std::nullopt;
        const run_result r = run_once(*t, s, 0, s.clients, 0);
        std::printf("idle %s: %u clients joined in %.2f s", t->name.c_str(), s.clients,
                    r.join_seconds.value_or(0));
        if (r.broker_cpu_seconds && before && r.broker_rss_kib) {
            std::printf(", broker RSS %.1f MiB (+%.1f KiB per client), CPU %.4f s per s "
                        "(%.2f us per client-second)",
                        *r.broker_rss_kib / 1024,
                        (*r.broker_rss_kib - static_cast<double>(before->rss_kib)) / s.clients,
                        *r.broker_cpu_seconds / s.duration,
                        *r.broker_cpu_seconds * 1e6 / (s.duration * s.clients));
        } else {
            std::printf(" (no broker pid: give --broker-pid or --spawn for CPU and memory)");
        }
        std::printf(", bench CPU %.4f s per s\n", r.bench_cpu_seconds / s.duration);
    }
    return exit_ok;
}

int run_churn(target& zchat, const settings& s) {
    // Churn: clients leave and join again at --rate per second; the online count every JOIN
    // and LEAVE announces is checked against the one before.
    const run_result r = run_once(zchat, s, 0, s.clients, 0, s.rate);
    const auto ms_of = [](std::uint64_t ns) { return static_cast<double>(ns) / 1e6; };
    std::printf("churn zchat: %u clients, %s leave+join per second offered: %s joins/s and %s "
                "leaves/s sustained; join latency (due to own JOIN) p50 %.2f ms, p99 %.2f ms, "
                "max %.2f ms; %llu turns skipped (client still joining)\n",
                s.clients, thousands(s.rate).c_str(),
                thousands(static_cast<double>(r.joins) / s.duration).c_str(),
                thousands(static_cast<double>(r.leaves) / s.duration).c_str(),
                ms_of(r.join_latency.percentile(50)), ms_of(r.join_latency.percentile(99)),
                ms_of(r.join_latency.max()), static_cast<unsigned long long>(r.churn_skipped));
    const bool consistent = r.online_mismatches == 0 && r.initial_online && r.final_online &&
                            *r.initial_online == *r.final_online;
    std::printf("online count: %llu JOIN/LEAVE events, %llu inconsistent; %lld online before "
                "the bench, %lld after it left: %s\n",
                static_cast<unsigned long long>(r.presence_events),
                static_cast<unsigned long long>(r.online_mismatches),
                static_cast<long long>(r.initial_online.value_or(-1)),
                static_cast<long long>(r.final_online.value_or(-1)),
                consistent ? "correct" : "WRONG");
    if (r.broker_cpu_seconds)
        std::printf("broker CPU %.3f s per s (%.1f us per leave+join), bench CPU %.3f s per s\n",
                    *r.broker_cpu_seconds / s.duration,
                    r.joins ? *r.broker_cpu_seconds * 1e6 / static_cast<double>(r.joins) : 0.0,
                    r.bench_cpu_seconds / s.duration);
    if (s.baseline)
        std::printf("(no baseline for churn: the forwarder keeps no sessions)\n");
    return consistent ? exit_ok : exit_failure;
}

// What the relays cost, since they started (joins included): "relays: CPU 1.2 s, 1.3 s; peak RSS
// 9.1 MiB, 9.0 MiB".
std::string relays_line(const target& t) {
    std::string cpu;
    std::string rss;
    for (const auto& relay : t.relays) {
        const auto sample = sample_process(relay->pid());
        char text[64];
        std::snprintf(text, sizeof text, "%s%.2f s", cpu.empty() ? "" : ", ",
                      sample ? sample->cpu_seconds : 0.0);
        cpu += text;
        std::snprintf(text, sizeof text, "%s%.1f MiB", rss.empty() ? "" : ", ",
                      sample ? static_cast<double>(sample->peak_rss_kib) / 1024 : 0.0);
        rss += text;
    }
    return "relays since they started: CPU " + cpu + "; peak RSS " + rss + "\n";
}

int run(const settings& s) {
    target zchat;
    zchat.name = "zchat";
    if (!s.spawn.empty()) {
        std::vector<std::string> argv{s.spawn, "--router", "tcp://127.0.0.1:*", "--pub",
                                      "tcp://127.0.0.1:*"};
        // The broker's per-session rate limit (--rate, default 20/s) is for people; the bench's
        // publishers send far more, so it is lifted unless asked otherwise.
        if (!s.keep_rate_limit) {
            argv.push_back("--rate");
            argv.push_back("0");
        }
        // Its log, a line for each client that joins, would bury the figures: warnings only
        // (-q: errors only; -v: all it logs by default).
        for (int level = s.verbosity; level < 1; ++level)
            argv.push_back("-q");
        argv.insert(argv.end(), s.broker_args.begin(), s.broker_args.end());
        start(zchat, argv);
        // The relays: zchat-relay from beside the broker, on free loopback ports.
        const std::string relay_path =
            (std::filesystem::path(s.spawn).parent_path() / "zchat-relay").string();
        for (std::uint32_t i = 0; i < s.relays; ++i)
            zchat.relays.push_back(std::make_unique<child_process>(
                std::vector<std::string>{relay_path, "--router", zchat.router, "--sub", zchat.pub,
                                         "--bind-router", "tcp://127.0.0.1:*", "--bind-pub",
                                         "tcp://127.0.0.1:*", "-q"},
                spawn_timeout));
    } else {
        zchat.router = s.router;
        zchat.pub = s.pub;
        zchat.pid = s.broker_pid;
    }
    std::optional<target> base;
    // The one-hop limit runs the lines' workloads only: idle and churn send none.
    std::optional<target> one_hop;
    if (s.baseline) {
        const std::vector<std::string> forwarder{self_executable(), "--forwarder",
                                                 "--router",        "tcp://127.0.0.1:*",
                                                 "--pub",           "tcp://127.0.0.1:*"};
        base.emplace();
        base->name = "baseline";
        start(*base, forwarder);
        if (s.mode == "fixed" || s.mode == "capacity") {
            one_hop.emplace();
            one_hop->name = "one-hop";
            start(*one_hop, forwarder);
            // The DEALER the schedules go out on, owned by the one function that uses it.
            struct schedule_channel {
                zmq::context_t context{1};
                zmq::socket_t out{context, zmq::socket_type::dealer};
            };
            auto channel = std::make_shared<schedule_channel>();
            channel->out.set(zmq::sockopt::linger, 0);
            channel->out.connect(one_hop->router);
            one_hop->announce = [channel](const worker_config& run) {
                const std::string text = serialize(run);
                const std::array<zmq::const_buffer, 2> message{zmq::buffer(one_hop_schedule),
                                                               zmq::buffer(text)};
                zmq::send_multipart(channel->out, message);
            };
        }
    }
    if (!s.json && s.mode == "churn")
        std::cout << "zchat-bench churn: " << s.clients << " clients, " << s.rate
                  << " leave+join per second, " << s.duration << " s measured after " << s.warmup
                  << " s; load average " << load_average() << std::endl;
    else if (!s.json && s.mode == "idle")
        std::cout << "zchat-bench idle: " << s.clients << " joined clients that only PING, "
                  << s.duration << " s measured after " << s.warmup << " s; load average "
                  << load_average() << std::endl;
    else if (!s.json)
        std::cout << "zchat-bench " << s.mode << ": " << s.clients << " clients (" << s.publishers
                  << " publishing), " << s.size << "-byte lines, " << s.duration
                  << " s measured after " << s.warmup << " s warmup, on "
                  << sysconf(_SC_NPROCESSORS_ONLN) << " cores; "
                  << (s.rooms > 1 ? "the clients are spread over " + std::to_string(s.rooms) +
                                        " rooms, and every line is due to every client of its "
                                        "room, its sender included"
                                  : "every line is due to every client, its sender included")
                  << (s.spawn.empty() || s.keep_rate_limit
                          ? ""
                          : "; the spawned broker's rate limit is lifted (--rate 0)")
                  << (s.relays > 0
                          ? "; the clients connect through " + std::to_string(s.relays) + " relays"
                          : "")
                  << "; load average " << load_average() << std::endl;
    if (s.mode == "idle") {
        const int code = run_idle(zchat, base, s);
        if (!zchat.relays.empty())
            std::cout << relays_line(zchat) << std::flush;
        return code;
    }
    if (s.mode == "churn")
        return run_churn(zchat, s);

    comparison result;
    std::vector<run_result> steps;
    if (s.mode == "capacity") {
        steps = capacity_search(zchat, s);
        auto best = best_passing(steps);
        if (!best) {
            std::cerr << "zchat-bench: zchat failed the first step ("
                      << failure_reason(steps.front()) << "); lower --rate\n";
            best = steps.front();
        }
        result.zchat = *best;
        for (auto [t, into] :
             {std::pair{&base, &result.baseline}, std::pair{&one_hop, &result.one_hop}}) {
            if (!*t)
                continue;
            auto t_steps = capacity_search(**t, s);
            auto t_best = best_passing(t_steps);
            *into = t_best ? *t_best : t_steps.front();
            steps.insert(steps.end(), t_steps.begin(), t_steps.end());
        }
    } else {
        result.zchat = run_once(zchat, s, s.rate, s.clients, s.publishers);
        if (base)
            result.baseline = run_once(*base, s, s.rate, s.clients, s.publishers);
        if (one_hop)
            result.one_hop = run_once(*one_hop, s, s.rate, s.clients, s.publishers);
    }

    const std::string equal = equal_load_lines(steps);
    if (!s.json && !zchat.relays.empty())
        std::cout << relays_line(zchat);
    if (s.json)
        std::cout << json_report(s.mode, result, steps) << std::endl;
    else
        std::cout << human_table(result) << "load average at the end " << load_average() << '\n'
                  << (equal.empty() ? "" : "latency at equal load, zchat / baseline:\n" + equal)
                  << ratio_line(s.mode, result) << std::endl;
    if (!s.csv.empty())
        write_file(s.csv, csv_header() + csv_rows(s.mode, result));
    if (!s.hgrm.empty()) {
        write_file(s.hgrm, result.zchat.e2e_latency.spectrum(1e6));
        if (result.baseline)
            write_file(s.hgrm + ".baseline", result.baseline->e2e_latency.spectrum(1e6));
        if (result.one_hop)
            write_file(s.hgrm + ".one-hop", result.one_hop->e2e_latency.spectrum(1e6));
    }
    return exit_ok;
}

} // namespace

int main(int argc, char** argv) {
    // A worker that dies makes its pipe's writes fail with EPIPE, reported as a lost worker,
    // instead of killing the orchestrator without a word.
    std::signal(SIGPIPE, SIG_IGN);
    cxxopts::Options cli("zchat-bench",
                         "Measures a zchat broker with simulated clients that join and "
                         "heartbeat like zchat-client, against a minimal forwarder baseline.");
    settings s;
    bool forwarder = false;
    // Why an endpoint cannot be reached (a name that does not resolve): found while the options
    // are checked, reported as a runtime failure before any broker is started.
    std::optional<std::string> unreachable;
    std::string host;
    auto add = cli.add_options();
    add("router", "broker ROUTER endpoint (with --sub), instead of --spawn",
        cxxopts::value(s.router), "EP");
    add("sub", "broker PUB endpoint", cxxopts::value(s.pub), "EP");
    add("host", "broker host on the default ports, instead of --spawn", cxxopts::value(host));
    add("spawn", "start this zchat-broker on free loopback ports and measure it",
        cxxopts::value(s.spawn), "PATH");
    add("broker-pid", "pid of the broker given by --router/--sub, for its CPU and memory",
        cxxopts::value(s.broker_pid), "PID");
    add("broker-arg", "extra argument for the spawned broker (repeatable)",
        cxxopts::value(s.broker_args), "ARG");
    add("keep-rate-limit", "do not lift the spawned broker's rate limit (it gets --rate 0)");
    add("mode", "fixed, capacity, idle or churn", cxxopts::value(s.mode)->default_value("fixed"),
        "MODE");
    add("clients", "simulated clients, every one subscribed",
        cxxopts::value(s.clients)->default_value("10"), "C");
    add("publishers", "how many of the clients send lines",
        cxxopts::value(s.publishers)->default_value("2"), "P");
    add("rooms",
        "spread the clients round-robin over N rooms, bench-0 to bench-<N-1> (1: all in the "
        "lobby); a line is due to its room's clients only",
        cxxopts::value(s.rooms)->default_value("1"), "N");
    add("rate",
        "lines per second offered by all publishers together (capacity: first step; churn: "
        "leave+join per second)",
        cxxopts::value(s.rate)->default_value("1000"), "R");
    add("size", "bytes per line (at least 42: the line carries its send time)",
        cxxopts::value(s.size)->default_value("64"), "S");
    add("duration", "seconds measured", cxxopts::value(s.duration)->default_value("5"), "T");
    add("warmup", "seconds of sending before measuring",
        cxxopts::value(s.warmup)->default_value("1"), "T");
    add("baseline", "also run the same workload against the built-in forwarder, and (fixed, "
                    "capacity) at the one-hop limit: the forwarder publishing the lines itself");
    add("json", "print one JSON document instead of the table");
    add("csv", "write the figures as CSV to FILE", cxxopts::value(s.csv), "FILE");
    add("hgrm", "write the end-to-end latency spectrum (.hgrm layout) to FILE",
        cxxopts::value(s.hgrm), "FILE");
    add("procs", "worker processes to split the clients over (for thousands of clients)",
        cxxopts::value(s.procs)->default_value("1"), "K");
    add("max-steps", "capacity: most rate steps", cxxopts::value(s.max_steps)->default_value("15"),
        "N");
    add("relays",
        "with --spawn: put N zchat-relays (from beside the broker) in front of it, worker i's "
        "clients on relay i % N (--procs a multiple of N)",
        cxxopts::value(s.relays)->default_value("0"), "N");
    zchat::runtime::add_verbosity_options(cli, "no progress line on stderr",
                                          "progress on stderr also when it is not a terminal, a "
                                          "line a second");
    zchat::runtime::add_help_and_version(cli);
    // How the bench starts its own baseline and its workers: not for people, so not in --help;
    // and the old spelling of --sub, kept for a release.
    auto add_hidden = cli.add_options(zchat::runtime::hidden_group);
    add_hidden("forwarder", "run as the baseline forwarder (used by --baseline)");
    add_hidden("worker", "run as one worker of --procs, its share read from stdin");
    add_hidden("pub", "the old name of --sub", cxxopts::value(s.pub), "EP");
    // The groups --help lists, and so the man page: not the hidden one.
    const std::vector<std::string> help_groups{""};
    const std::vector<std::string> positional{"host"};
    cli.parse_positional(positional);
    cli.positional_help("");
    cli.custom_help(
        "[--router EP --sub EP [--broker-pid PID] | HOST | --spawn PATH_TO_BROKER]\n"
        "  --mode fixed|capacity|idle|churn --clients C --publishers P [--rooms N] --rate R\n"
        "  --size S --duration T --warmup T [--baseline] [--json] [--csv FILE] [--hgrm FILE]\n"
        "  [-q|-v]");
    try {
        const auto args = cli.parse(argc, argv);
        if (zchat::runtime::answer_help_or_version(cli, args, help_groups, positional, more_help))
            return exit_ok;
        if (!args.unmatched().empty())
            throw cxxopts::exceptions::no_such_option(args.unmatched().front());
        if (args.count("worker"))
            return serve_share();
        forwarder = args.count("forwarder") > 0;
        s.verbosity = zchat::runtime::verbosity(args);
        progress_verbosity = s.verbosity;
        if (args.count("pub") && !forwarder)
            std::cerr << "zchat-bench: --pub is deprecated; use --sub (the same endpoint)\n";
        if (args.count("host")) {
            if (args.count("router") || args.count("sub") || args.count("pub"))
                throw cxxopts::exceptions::exception(
                    "give either HOST or --router/--sub, not both");
            s.router = zchat::runtime::tcp_endpoint(host, zchat::proto::default_router_port);
            s.pub = zchat::runtime::tcp_endpoint(host, zchat::proto::default_pub_port);
        }
        s.baseline = args.count("baseline") > 0;
        s.json = args.count("json") > 0;
        s.keep_rate_limit = args.count("keep-rate-limit") > 0;
        if (!forwarder) {
            if (s.spawn.empty() == (s.router.empty() || s.pub.empty()))
                throw cxxopts::exceptions::exception(
                    "give either --spawn PATH, a HOST, or both --router and --sub");
            if (s.mode != "fixed" && s.mode != "capacity" && s.mode != "idle" && s.mode != "churn")
                throw cxxopts::exceptions::exception(
                    "--mode must be fixed, capacity, idle or churn");
            if (s.mode == "churn" && s.procs != 1)
                throw cxxopts::exceptions::exception("--mode churn runs in one process");
            if (s.clients < 1 || s.clients > 10000)
                throw cxxopts::exceptions::exception("--clients must be from 1 to 10000");
            if (s.rooms < 1 || s.rooms > s.clients)
                throw cxxopts::exceptions::exception(
                    "--rooms must be from 1 to the number of clients");
            if ((s.mode == "fixed" || s.mode == "capacity") &&
                (s.publishers < 1 || s.publishers > s.clients))
                throw cxxopts::exceptions::exception(
                    "--publishers must be from 1 to the number of clients");
            if (s.mode != "idle" && !(s.rate > 0 && s.rate <= 1e7))
                throw cxxopts::exceptions::exception("--rate must be above 0 and at most 1e7");
            if (s.size < 42 || s.size > 4096)
                throw cxxopts::exceptions::exception("--size must be from 42 to 4096");
            if (!(s.duration > 0 && s.duration <= 3600) || !(s.warmup >= 0 && s.warmup <= 600))
                throw cxxopts::exceptions::exception(
                    "--duration must be in (0, 3600] and --warmup in [0, 600] seconds");
            if (s.procs < 1 || s.procs > 64)
                throw cxxopts::exceptions::exception("--procs must be from 1 to 64");
            if (s.relays > 16)
                throw cxxopts::exceptions::exception("--relays must be from 0 to 16");
            if (s.relays > 0 && s.spawn.empty())
                throw cxxopts::exceptions::exception("--relays needs --spawn");
            if (s.relays > 0 && s.procs % s.relays != 0)
                throw cxxopts::exceptions::exception(
                    "--procs must be a multiple of --relays, so each relay carries as many "
                    "clients");
            if (s.relays > 0 && s.mode == "churn")
                throw cxxopts::exceptions::exception("--relays does not go with --mode churn");
            // The simulated clients speak ZMTP over TCP or IPC themselves (tools/bench/zmtp.hpp).
            for (const std::string& endpoint : {s.router, s.pub}) {
                if (endpoint.empty())
                    continue;
                if (!endpoint.starts_with("tcp://") && !endpoint.starts_with("ipc://"))
                    throw cxxopts::exceptions::exception(
                        "'" + endpoint +
                        "': the bench's clients connect to tcp://HOST:PORT or ipc://PATH only");
                if (const auto problem = zchat::runtime::check_connect_endpoint(endpoint)) {
                    if (problem->usage)
                        throw cxxopts::exceptions::exception(problem->reason);
                    if (!unreachable)
                        unreachable = "cannot reach " + endpoint + ": " + problem->reason;
                }
            }
        }
    } catch (const cxxopts::exceptions::exception& e) {
        std::cerr << "zchat-bench: " << e.what() << " (try --help)\n";
        return exit_usage;
    }

    try {
        if (forwarder) {
            const int stop_fd = zchat::runtime::stop_signal_descriptor();
            run_forwarder(s.router.empty() ? "tcp://127.0.0.1:*" : s.router,
                          s.pub.empty() ? "tcp://127.0.0.1:*" : s.pub, stop_fd);
            close(stop_fd);
            return exit_ok;
        }
        if (unreachable) {
            std::cerr << "zchat-bench: " << *unreachable << '\n';
            return exit_failure;
        }
        return run(s);
    } catch (const zmq::error_t& e) {
        progress("");
        std::cerr << "zchat-bench: " << e.what() << '\n';
    } catch (const std::exception& e) {
        progress("");
        std::cerr << "zchat-bench: " << e.what() << '\n';
    }
    return exit_failure;
}
