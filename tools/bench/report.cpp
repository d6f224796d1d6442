#include "tools/bench/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace zchat::bench {
namespace {

std::string number(std::optional<double> v) {
    if (!v)
        return "-";
    char text[40];
    const double a = std::fabs(*v);
    if (a >= 1000 || (*v == std::floor(*v) && a < 1e15))
        return thousands(*v);
    if (a >= 100)
        std::snprintf(text, sizeof text, "%.1f", *v);
    else if (a >= 1)
        std::snprintf(text, sizeof text, "%.2f", *v);
    else
        std::snprintf(text, sizeof text, "%.3f", *v);
    return text;
}

std::string json_number(std::optional<double> v) {
    if (!v || !std::isfinite(*v))
        return "null";
    char text[40];
    std::snprintf(text, sizeof text, "%.6g", *v);
    return text;
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(ch);
        } else if (c < 0x20) {
            char esc[8];
            std::snprintf(esc, sizeof esc, "\\u%04x", c);
            out += esc;
        } else {
            out.push_back(ch);
        }
    }
    return out + "\"";
}

std::string pad(std::string s, std::size_t width, bool right) {
    if (s.size() >= width)
        return s;
    return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

std::string ratio_text(std::optional<double> r) {
    if (!r)
        return "-";
    char text[32];
    std::snprintf(text, sizeof text, "%.2fx", *r);
    return text;
}

std::optional<double> figure_value(const run_result& r, const std::string& key) {
    for (const auto& f : figures(r))
        if (f.key == key)
            return f.value;
    return std::nullopt;
}

void json_run(std::ostringstream& out, const run_result& r) {
    out << "{\"target\":\"" << r.target << "\",\"clients\":" << r.clients
        << ",\"publishers\":" << r.publishers << ",\"rooms\":" << r.rooms
        << ",\"payload_bytes\":" << r.payload_bytes << ",\"seconds\":" << json_number(r.seconds)
        << ",\"lines_due\":" << r.lines_due << ",\"lines_sent\":" << r.lines_sent
        << ",\"lines_acked\":" << r.lines_acked << ",\"deliveries\":" << r.deliveries
        << ",\"expected_deliveries\":" << json_number(expected_deliveries(r))
        << ",\"generator_bound\":" << (generator_bound(r) ? "true" : "false")
        << ",\"generator_note\":" << json_string(generator_note(r))
        << ",\"first_error\":" << json_string(r.first_error);
    for (const auto& f : figures(r))
        out << ",\"" << f.key << "\":" << json_number(f.value);
    out << '}';
}

} // namespace

std::string thousands(double value) {
    const bool negative = value < 0;
    auto n = static_cast<unsigned long long>(std::llround(std::fabs(value)));
    std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out.push_back(',');
        out.push_back(digits[i]);
    }
    return negative ? "-" + out : out;
}

namespace {

// The runs zchat is compared with, in the order they are shown.
std::vector<const run_result*> references(const comparison& c) {
    std::vector<const run_result*> runs;
    for (const auto& r : {&c.baseline, &c.one_hop})
        if (*r)
            runs.push_back(&**r);
    return runs;
}

// zchat's run, then those it is compared with.
std::vector<const run_result*> every_run(const comparison& c) {
    std::vector<const run_result*> runs{&c.zchat};
    for (const run_result* r : references(c))
        runs.push_back(r);
    return runs;
}

} // namespace

std::string human_table(const comparison& c) {
    const auto z = figures(c.zchat);
    std::vector<std::vector<figure>> others;
    for (const run_result* r : references(c))
        others.push_back(figures(*r));
    std::ostringstream out;
    constexpr std::size_t label_width = 46;
    constexpr std::size_t value_width = 12;
    out << pad("figure", label_width, false) << pad("zchat", value_width, true);
    for (const run_result* r : references(c))
        out << pad(r->target, value_width, true) << pad("ratio", 8, true);
    out << '\n';
    for (std::size_t i = 0; i < z.size(); ++i) {
        out << pad(z[i].label + " (" + z[i].unit + ")", label_width, false)
            << pad(number(z[i].value), value_width, true);
        for (const auto& o : others)
            out << pad(number(o[i].value), value_width, true)
                << pad(ratio_text(ratio(z[i].value, o[i].value)), 8, true);
        out << '\n';
    }
    for (const run_result* r : every_run(c)) {
        if (const auto note = generator_note(*r); !note.empty())
            out << "note: the generator, not the " << r->target << ", limited this run: " << note
                << '\n';
        if (!r->first_error.empty())
            out << "note: " << r->target << " refused lines, first: " << r->first_error << '\n';
    }
    return out.str();
}

std::string ratio_line(const std::string& mode, const comparison& c) {
    const run_result& z = c.zchat;
    // Over several rooms a line goes to its room's clients only, so say how many rooms.
    const std::string clients = std::to_string(z.clients) + " clients" +
                                (z.rooms > 1 ? " in " + std::to_string(z.rooms) + " rooms" : "");
    std::string text;
    if (mode == "capacity")
        text = "capacity " + thousands(z.offered_rate) + " lines/s x " + clients + " (" +
               thousands(delivery_rate(z)) + " deliveries/s)";
    else
        text = mode + " " + thousands(z.offered_rate) + " lines/s x " + clients + ": " +
               thousands(delivery_rate(z)) + " deliveries/s, e2e p99 " +
               number(static_cast<double>(z.e2e_latency.percentile(99)) / 1e6) + " ms";
    const auto against = references(c);
    if (against.empty())
        return text + " (no baseline)";
    for (std::size_t i = 0; i < against.size(); ++i) {
        const run_result& o = *against[i];
        text += i == 0 ? " = " : (mode == "capacity" ? ", " : "; ");
        if (mode == "capacity")
            text += ratio_text(ratio(z.offered_rate, o.offered_rate)) + " " + o.target;
        else
            // The throughput figure is fixed by the offered rate, so compare what differs: the
            // deliveries, and the p99 latency.
            text +=
                ratio_text(ratio(delivery_rate(z), delivery_rate(o))) + " " + o.target +
                " deliveries, p99 " +
                ratio_text(ratio(figure_value(z, "e2e_p99_ms"), figure_value(o, "e2e_p99_ms"))) +
                " " + o.target;
    }
    return text;
}

std::string equal_load_lines(const std::vector<run_result>& steps) {
    const auto last_pass = [&](const std::string& target, double rate) -> const run_result* {
        const run_result* found = nullptr;
        for (const auto& r : steps)
            if (r.target == target && r.offered_rate == rate && failure_reason(r).empty())
                found = &r;
        return found;
    };
    const auto ms = [](const run_result& r, double p) {
        return static_cast<double>(r.e2e_latency.percentile(p)) / 1e6;
    };
    std::string text;
    std::vector<double> done;
    for (const auto& step : steps) {
        const double rate = step.offered_rate;
        if (std::find(done.begin(), done.end(), rate) != done.end())
            continue;
        const run_result* z = last_pass("zchat", rate);
        const run_result* b = last_pass("baseline", rate);
        if (!z || !b)
            continue;
        done.push_back(rate);
        text += "  at " + thousands(rate) + " lines/s: e2e p50 " + number(ms(*z, 50)) + " / " +
                number(ms(*b, 50)) + " ms (" + ratio_text(ratio(ms(*z, 50), ms(*b, 50))) +
                "), p99 " + number(ms(*z, 99)) + " / " + number(ms(*b, 99)) + " ms (" +
                ratio_text(ratio(ms(*z, 99), ms(*b, 99))) + ")\n";
    }
    return text;
}

std::string json_report(const std::string& mode, const comparison& result,
                        const std::vector<run_result>& steps) {
    std::ostringstream out;
    out << "{\"mode\":\"" << mode << "\",\"zchat\":";
    json_run(out, result.zchat);
    const auto z = figures(result.zchat);
    for (const auto& [name, run] :
         {std::pair{"baseline", &result.baseline}, std::pair{"one_hop", &result.one_hop}}) {
        out << ",\"" << name << "\":";
        if (*run)
            json_run(out, **run);
        else
            out << "null";
    }
    for (const auto& [name, run] :
         {std::pair{"ratios", &result.baseline}, std::pair{"ratios_one_hop", &result.one_hop}}) {
        out << ",\"" << name << "\":{";
        if (*run) {
            const auto o = figures(**run);
            for (std::size_t k = 0; k < z.size(); ++k)
                out << (k ? "," : "") << '"' << z[k].key
                    << "\":" << json_number(ratio(z[k].value, o[k].value));
        }
        out << '}';
    }
    out << ",\"steps\":[";
    for (std::size_t i = 0; i < steps.size(); ++i) {
        out << (i ? "," : "") << "{\"passed\":" << (passes(steps[i]) ? "true" : "false")
            << ",\"failure\":" << json_string(failure_reason(steps[i])) << ",\"run\":";
        json_run(out, steps[i]);
        out << '}';
    }
    out << "]}";
    return out.str();
}

std::string csv_header() {
    std::string header = "mode,target,clients,publishers,rooms,payload_bytes";
    for (const auto& f : figures(run_result{}))
        header += "," + f.key;
    return header + "\n";
}

std::string csv_rows(const std::string& mode, const comparison& c) {
    std::ostringstream out;
    for (const run_result* r : every_run(c)) {
        out << mode << ',' << r->target << ',' << r->clients << ',' << r->publishers << ','
            << r->rooms << ',' << r->payload_bytes;
        for (const auto& f : figures(*r))
            out << ',' << (f.value ? json_number(f.value) : "");
        out << '\n';
    }
    return out.str();
}

} // namespace zchat::bench
