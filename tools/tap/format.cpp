#include "tools/tap/format.hpp"

#include "proto/printable.hpp"
#include "proto/wording.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>

namespace zchat::tap {

namespace {

// Ordered, so every line starts with time, unix_time and kind, in the documented order.
using json = nlohmann::ordered_json;

template <class... F>
struct overloaded : F... {
    using F::operator()...;
};
// Needed by compilers without aggregate deduction (clang before 17).
template <class... F>
overloaded(F...) -> overloaded<F...>;

constexpr std::string_view red = "\x1b[31m";
constexpr std::string_view yellow = "\x1b[33m";
constexpr std::string_view cyan = "\x1b[36m";
constexpr std::string_view reset = "\x1b[0m";

struct split_time {
    std::tm utc{};
    long long micros = 0;
};

split_time split(wall_clock::time_point t) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
    auto secs = std::chrono::floor<std::chrono::seconds>(us);
    split_time s;
    s.micros = (us - secs).count();
    const auto tt = static_cast<std::time_t>(secs.count());
    gmtime_r(&tt, &s.utc);
    return s;
}

std::string clock_time(wall_clock::time_point t) {
    const auto s = split(t);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03lld", s.utc.tm_hour, s.utc.tm_min,
                  s.utc.tm_sec, s.micros / 1000);
    return buf;
}

std::string fixed(double value, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    return buf;
}

std::string rejected_text(const proto::stats& s) {
    if (s.rejected.empty())
        return "none";
    std::string out;
    for (const auto& [code, count] : s.rejected) {
        if (!out.empty())
            out += ' ';
        out += std::string{proto::error_name(code)} + '(' +
               std::to_string(static_cast<unsigned>(code)) + ")=" + std::to_string(count);
    }
    return out;
}

// What a human line says after "#seq kind topic".
std::string details(const proto::event& e) {
    return std::visit(
        overloaded{
            [](const proto::line& l) { return proto::chat_line(l.sender, l.text, l.kind); },
            [](const proto::joined& j) {
                return proto::printable(j.name) + " (sid " + std::to_string(j.session_id) + ", " +
                       std::to_string(j.online) + " online, chat at " + std::to_string(j.chat_seq) +
                       ")";
            },
            [](const proto::left& l) {
                return proto::printable(l.name) + " (sid " + std::to_string(l.session_id) + ", " +
                       std::to_string(l.online) + " online, " +
                       std::string{proto::reason_name(l.reason)} + ")";
            },
            [](const proto::heartbeat& h) {
                std::string text = std::to_string(h.online) + " online, every " +
                                   std::to_string(h.interval_ms) + " ms";
                // Each room's chat and presence sequence numbers.
                for (const proto::room_head& head : h.heads)
                    text += ", #" + proto::printable(head.room) + " " + std::to_string(head.seq) +
                            "/" + std::to_string(head.roster_version);
                return text;
            },
            [](const proto::probe& p) { return "sid " + std::to_string(p.session_id); },
            [](const proto::shutdown&) { return std::string{"broker stopping"}; },
            [](const proto::stats& s) {
                return "up " + fixed(static_cast<double>(s.uptime_ms) / 1000.0, 1) + " s, " +
                       std::to_string(s.online) + " online (peak " + std::to_string(s.peak_online) +
                       "), " + std::to_string(s.rooms) + " rooms, " +
                       std::to_string(s.events_published) + " events, " +
                       std::to_string(s.lines_in) + " lines, in " + std::to_string(s.bytes_in) +
                       " B, out " + std::to_string(s.bytes_out) + " B, " +
                       std::to_string(s.expired) + " expired, " + std::to_string(s.evicted) +
                       " evicted, " + std::to_string(s.lagging) + " lagging, rejected " +
                       rejected_text(s);
            },
            [](const proto::relay_stats& r) {
                return "relay " + proto::printable(r.relay) + " up " +
                       fixed(static_cast<double>(r.uptime_ms) / 1000.0, 1) + " s, " +
                       std::to_string(r.clients) + " clients, " + std::to_string(r.subscribers) +
                       " subscribers, " + std::to_string(r.sessions) + " sessions, " +
                       std::to_string(r.commands_up) + " commands up, " +
                       std::to_string(r.replies_down) + " replies down, " +
                       std::to_string(r.events_down) + " events down, " +
                       std::to_string(r.subscriptions_up) + " subscriptions up, " +
                       std::to_string(r.answered_here) + " answered here, " +
                       std::to_string(r.dropped) + " dropped";
            },
        },
        e);
}

std::string undecodable_details(const undecodable& u) {
    return std::string{proto::error_name(u.error.code)} + ": " + proto::printable(u.error.reason) +
           " (" + std::to_string(u.frames) + " frames, " + std::to_string(u.bytes) + " bytes) " +
           u.preview;
}

std::string note_text(const note_body& n) {
    return std::visit(
        overloaded{
            [](const observed_event& o) {
                // A room's event's number in its sequence; a broker-wide event has none.
                const bool numbered = proto::sequenced(proto::event_kind_of(o.event));
                return "#" + (numbered ? std::to_string(seq_of(o.event)) : std::string{"-"}) + " " +
                       std::string{proto::kind_name(o.event)} + " " + proto::printable(o.topic) +
                       " " + details(o.event);
            },
            [](const undecodable& u) {
                return "?? undecodable " + proto::printable(u.topic) + " " + undecodable_details(u);
            },
            [](const gap& g) {
                return "!! gap: " + std::to_string(g.missed()) + " event" +
                       (g.missed() == 1 ? "" : "s") + " missed in #" + proto::printable(g.room) +
                       " " + std::string{g.stream} + " (seq " + std::to_string(g.first) +
                       (g.first == g.last ? "" : " to " + std::to_string(g.last)) + ")";
            },
            [](const restart& r) {
                return "== restart: new epoch " + std::to_string(r.epoch) + " (was " +
                       std::to_string(r.previous_epoch) + "), the broker restarted";
            },
            [](const alert& a) {
                return "!! alert " + std::string{alert_name(a.kind)} + ": " + a.message;
            },
            [](const back& b) {
                return "== back: events again after " + std::to_string(b.silent_ms) + " ms" +
                       (b.new_epoch ? " (new epoch: the broker restarted)" : "");
            },
        },
        n);
}

std::string_view colour_of(const note_body& n) {
    if (std::holds_alternative<gap>(n) || std::holds_alternative<alert>(n))
        return red;
    if (std::holds_alternative<undecodable>(n))
        return yellow;
    if (std::holds_alternative<restart>(n) || std::holds_alternative<back>(n))
        return cyan;
    return {};
}

std::string epoch_text(std::uint64_t epoch) {
    return std::to_string(epoch);
}

json event_json(const proto::event& e, std::string_view topic) {
    json j;
    j["epoch"] = epoch_text(epoch_of(e));
    j["topic"] = std::string{topic};
    // A room's events carry the room (its bare name) and their number in its sequence.
    if (proto::sequenced(proto::event_kind_of(e))) {
        j["room"] = std::string{room_of(e)};
        j["seq"] = seq_of(e);
    }
    std::visit(overloaded{
                   [&](const proto::line& l) {
                       j["sender"] = l.sender;
                       j["session_id"] = l.session_id;
                       j["message_id"] = l.message_id;
                       j["action"] = l.kind == proto::line_kind::action;
                       j["text"] = l.text;
                   },
                   [&](const proto::joined& x) {
                       j["name"] = x.name;
                       j["session_id"] = x.session_id;
                       j["online"] = x.online;
                       j["chat_seq"] = x.chat_seq;
                   },
                   [&](const proto::left& x) {
                       j["name"] = x.name;
                       j["session_id"] = x.session_id;
                       j["online"] = x.online;
                       j["reason"] = proto::reason_name(x.reason);
                       j["reason_code"] = static_cast<unsigned>(x.reason);
                   },
                   [&](const proto::heartbeat& h) {
                       j["online"] = h.online;
                       j["interval_ms"] = h.interval_ms;
                       json heads = json::array();
                       for (const proto::room_head& head : h.heads)
                           heads.push_back({{"room", head.room},
                                            {"seq", head.seq},
                                            {"roster_version", head.roster_version}});
                       j["heads"] = std::move(heads);
                   },
                   [&](const proto::probe& p) { j["session_id"] = p.session_id; },
                   [&](const proto::shutdown&) {},
                   [&](const proto::stats& s) {
                       j["uptime_ms"] = s.uptime_ms;
                       j["online"] = s.online;
                       j["peak_online"] = s.peak_online;
                       j["rooms"] = s.rooms;
                       j["events_published"] = s.events_published;
                       j["lines_in"] = s.lines_in;
                       j["bytes_in"] = s.bytes_in;
                       j["bytes_out"] = s.bytes_out;
                       j["expired"] = s.expired;
                       j["evicted"] = s.evicted;
                       j["lagging"] = s.lagging;
                       json rejected = json::array();
                       for (const auto& [code, count] : s.rejected)
                           rejected.push_back({{"code", static_cast<unsigned>(code)},
                                               {"name", proto::error_name(code)},
                                               {"count", count}});
                       j["rejected"] = std::move(rejected);
                   },
                   [&](const proto::relay_stats& r) {
                       j["relay"] = r.relay;
                       j["uptime_ms"] = r.uptime_ms;
                       j["clients"] = r.clients;
                       j["subscribers"] = r.subscribers;
                       j["sessions"] = r.sessions;
                       j["commands_up"] = r.commands_up;
                       j["replies_down"] = r.replies_down;
                       j["answered_here"] = r.answered_here;
                       j["dropped"] = r.dropped;
                       j["events_down"] = r.events_down;
                       j["subscriptions_up"] = r.subscriptions_up;
                   },
               },
               e);
    return j;
}

json note_json(const note& n) {
    json j;
    j["time"] = iso_time(n.time.wall);
    j["unix_time"] = std::chrono::duration<double>(n.time.wall.time_since_epoch()).count();
    j["kind"] = kind_of(n.body);
    const json body = std::visit(
        overloaded{
            [](const observed_event& o) {
                json x = event_json(o.event, o.topic);
                x["bytes"] = o.bytes;
                return x;
            },
            [](const undecodable& u) {
                return json{{"topic", u.topic},         {"error", proto::error_name(u.error.code)},
                            {"reason", u.error.reason}, {"frames", u.frames},
                            {"bytes", u.bytes},         {"preview", u.preview}};
            },
            [](const gap& g) {
                return json{
                    {"room", g.room},       {"stream", g.stream},   {"epoch", epoch_text(g.epoch)},
                    {"missed", g.missed()}, {"first_seq", g.first}, {"last_seq", g.last}};
            },
            [](const restart& r) {
                return json{{"epoch", epoch_text(r.epoch)},
                            {"previous_epoch", epoch_text(r.previous_epoch)}};
            },
            [](const alert& a) {
                json x{{"alert", alert_name(a.kind)},
                       {"message", a.message},
                       {"epoch", epoch_text(a.epoch)}};
                if (!a.room.empty())
                    x["room"] = a.room;
                if (a.seq)
                    x["seq"] = *a.seq;
                if (a.previous_seq)
                    x["previous_seq"] = *a.previous_seq;
                if (a.online)
                    x["online"] = *a.online;
                if (a.expected_online)
                    x["expected_online"] = *a.expected_online;
                if (a.roster_version)
                    x["roster_version"] = *a.roster_version;
                if (a.silent_ms)
                    x["silent_ms"] = *a.silent_ms;
                if (a.interval_ms)
                    x["interval_ms"] = *a.interval_ms;
                return x;
            },
            [](const back& b) {
                return json{{"epoch", epoch_text(b.epoch)},
                            {"silent_ms", b.silent_ms},
                            {"new_epoch", b.new_epoch}};
            },
        },
        n.body);
    j.update(body);
    return j;
}

// ASCII only, and every invalid UTF-8 byte replaced by U+FFFD, so the line is valid JSON and
// safe on a terminal whatever arrived.
std::string dump(const json& j) {
    return j.dump(-1, ' ', true, json::error_handler_t::replace);
}

json tally_json(const tally& t) {
    json by_kind = json::object();
    for (std::size_t i = 0; i < counted_kinds.size(); ++i)
        by_kind[std::string{counted_kinds[i]}] = t.by_kind[i];
    return json{{"events", t.events()}, {"by_kind", by_kind},     {"bytes", t.bytes},
                {"missed", t.missed},   {"restarts", t.restarts}, {"alerts", t.alerts}};
}

std::string online_text(const std::optional<std::uint32_t>& online) {
    return online ? std::to_string(*online) : std::string{"?"};
}

} // namespace

std::string iso_time(wall_clock::time_point t) {
    const auto s = split(t);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", s.utc.tm_year + 1900,
                  s.utc.tm_mon + 1, s.utc.tm_mday, s.utc.tm_hour, s.utc.tm_min, s.utc.tm_sec,
                  s.micros / 1000);
    return buf;
}

std::string unix_time(wall_clock::time_point t) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
    const auto secs = std::chrono::floor<std::chrono::seconds>(us);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(secs.count()),
                  static_cast<long long>((us - secs).count()));
    return buf;
}

std::string human_line(const note& n, bool colour) {
    const std::string text = clock_time(n.time.wall) + " " + note_text(n.body);
    const auto c = colour_of(n.body);
    if (!colour || c.empty())
        return text;
    return std::string{c} + text + std::string{reset};
}

std::string json_line(const note& n) {
    return dump(note_json(n));
}

std::variant<line_format, std::string> line_format::parse(std::string_view fmt) {
    static constexpr std::string_view tokens = "IUeskt rnio pj%";
    line_format f;
    auto literal = [&f](char c) {
        if (f.pieces_.empty() || f.pieces_.back().token != 0)
            f.pieces_.push_back({});
        f.pieces_.back().literal.push_back(c);
    };
    for (std::size_t i = 0; i < fmt.size(); ++i) {
        const char c = fmt[i];
        if (c != '%' && c != '\\') {
            literal(c);
            continue;
        }
        if (i + 1 == fmt.size())
            return std::string{"the format ends with a lone '"} + c + "'";
        const char next = fmt[++i];
        if (c == '\\') {
            switch (next) {
            case 't':
                literal('\t');
                break;
            case 'n':
                literal('\n');
                break;
            case '0':
                literal('\0');
                break;
            case '\\':
                literal('\\');
                break;
            default:
                return std::string{"unknown escape '\\"} + next + "' in the format";
            }
        } else if (next == '%') {
            literal('%');
        } else if (next != ' ' && tokens.find(next) != std::string_view::npos) {
            f.pieces_.push_back({next, {}});
        } else {
            return std::string{"unknown token '%"} + next + "' in the format";
        }
    }
    return f;
}

std::string line_format::expand(const note& n) const {
    const auto* o = std::get_if<observed_event>(&n.body);
    const auto* u = std::get_if<undecodable>(&n.body);
    std::string out;
    for (const auto& p : pieces_) {
        switch (p.token) {
        case 0:
            out += p.literal;
            break;
        case 'I':
            out += iso_time(n.time.wall);
            break;
        case 'U':
            out += unix_time(n.time.wall);
            break;
        case 'e':
            if (o)
                out += epoch_text(epoch_of(o->event));
            break;
        case 's':
            if (o)
                out += std::to_string(seq_of(o->event));
            break;
        case 'k':
            out += kind_of(n.body);
            break;
        case 't':
            if (o)
                out += proto::printable(o->topic);
            else if (u)
                out += proto::printable(u->topic);
            break;
        case 'r':
            if (o)
                out += proto::printable(room_of(o->event));
            break;
        case 'n':
            if (o) {
                if (const auto* l = std::get_if<proto::line>(&o->event))
                    out += proto::printable(l->sender);
                else if (const auto* j = std::get_if<proto::joined>(&o->event))
                    out += proto::printable(j->name);
                else if (const auto* x = std::get_if<proto::left>(&o->event))
                    out += proto::printable(x->name);
            }
            break;
        case 'i':
            if (o) {
                if (const auto* l = std::get_if<proto::line>(&o->event))
                    out += std::to_string(l->session_id);
                else if (const auto* j = std::get_if<proto::joined>(&o->event))
                    out += std::to_string(j->session_id);
                else if (const auto* x = std::get_if<proto::left>(&o->event))
                    out += std::to_string(x->session_id);
                else if (const auto* pr = std::get_if<proto::probe>(&o->event))
                    out += std::to_string(pr->session_id);
            }
            break;
        case 'o':
            if (o) {
                if (const auto* j = std::get_if<proto::joined>(&o->event))
                    out += std::to_string(j->online);
                else if (const auto* x = std::get_if<proto::left>(&o->event))
                    out += std::to_string(x->online);
                else if (const auto* h = std::get_if<proto::heartbeat>(&o->event))
                    out += std::to_string(h->online);
                else if (const auto* s = std::get_if<proto::stats>(&o->event))
                    out += std::to_string(s->online);
            }
            break;
        case 'p':
            if (o) {
                if (const auto* l = std::get_if<proto::line>(&o->event))
                    out += proto::printable(l->text);
                else
                    out += details(o->event);
            } else if (u) {
                out += undecodable_details(*u);
            }
            break;
        case 'j':
            out += json_line(n);
            break;
        default:
            break;
        }
    }
    return out;
}

std::string human_period(wall_clock::time_point t, const period_report& r) {
    std::string by_kind;
    for (std::size_t i = 0; i < counted_kinds.size(); ++i) {
        if (r.counts.by_kind[i] == 0)
            continue;
        by_kind += (by_kind.empty() ? "" : ", ") + std::string{counted_kinds[i]} + " " +
                   fixed(r.events_per_second(i), 1);
    }
    return clock_time(t) + " stats: " + fixed(r.events_per_second(), 1) + " ev/s" +
           (by_kind.empty() ? "" : " (" + by_kind + ")") + ", " + fixed(r.bytes_per_second(), 0) +
           " B/s, " + online_text(r.online) + " online, " + std::to_string(r.counts.missed) +
           " missed, " + std::to_string(r.counts.restarts) + " restarts, " +
           std::to_string(r.counts.alerts) + " alerts";
}

std::string json_period(wall_clock::time_point t, const period_report& r) {
    json rates = json::object();
    for (std::size_t i = 0; i < counted_kinds.size(); ++i)
        rates[std::string{counted_kinds[i]}] = r.events_per_second(i);
    json j{{"time", iso_time(t)}, {"kind", "tap_stats"}};
    j.update(tally_json(r.counts));
    j["period_s"] = r.length.count();
    j["events_per_s"] = r.events_per_second();
    j["events_per_s_by_kind"] = std::move(rates);
    j["bytes_per_s"] = r.bytes_per_second();
    j["online"] = r.online ? json(*r.online) : json(nullptr);
    return dump(j);
}

std::string human_summary(wall_clock::time_point t, const summary_report& s) {
    std::string by_kind;
    for (std::size_t i = 0; i < counted_kinds.size(); ++i)
        by_kind += (i ? ", " : "") + std::string{counted_kinds[i]} + " " +
                   std::to_string(s.counts.by_kind[i]);
    return clock_time(t) + " summary: " + std::to_string(s.counts.events()) + " events in " +
           fixed(s.length.count(), 1) + " s (" + by_kind + "), " + std::to_string(s.counts.bytes) +
           " bytes, " + online_text(s.online) + " online, " + std::to_string(s.counts.missed) +
           " missed, " + std::to_string(s.counts.restarts) + " restarts, " +
           std::to_string(s.counts.alerts) + " alerts";
}

std::string json_summary(wall_clock::time_point t, const summary_report& s) {
    json j{{"time", iso_time(t)}, {"kind", "tap_summary"}};
    j.update(tally_json(s.counts));
    j["duration_s"] = s.length.count();
    j["online"] = s.online ? json(*s.online) : json(nullptr);
    return dump(j);
}

} // namespace zchat::tap
