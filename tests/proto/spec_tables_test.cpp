// PROTOCOL.md's field tables against the codec's descriptions (proto/shapes.hpp): every message's
// table is rendered from the description the codec encodes and decodes with, and the spec must
// hold exactly that table under the message's heading. So the spec and the codec cannot drift.
// The same goes for what the tables rest on: the frames of each kind of message, the encodings
// and the topic each event is published under.
#include "proto/codec.hpp"
#include "proto/shapes.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace zchat::proto {
namespace {

using row = std::vector<std::string>; // the cells #, name, encoding, rules
using table = std::vector<row>;

constexpr encoding every_encoding[] = {encoding::u8,   encoding::u16,       encoding::u32,
                                       encoding::u64,  encoding::secret,    encoding::resume,
                                       encoding::utf8, encoding::utf8_list, encoding::records};

// The Rules cell of a signature row: "`ZCHAT` `02`".
std::string signature_cell() {
    char version[3];
    std::snprintf(version, sizeof version, "%02x", static_cast<unsigned>(protocol_version));
    return "`" + std::string{signature} + "` `" + version + "`";
}

// The spec's Encoding column for a field's encoding (section 2 defines each).
std::string encoding_cell(encoding e) {
    switch (e) {
    case encoding::u8:
        return "`u8`";
    case encoding::u16:
        return "`u16`";
    case encoding::u32:
        return "`u32`";
    case encoding::u64:
        return "`u64`";
    case encoding::secret:
        return "`secret`";
    case encoding::resume:
        return "`resume`";
    case encoding::utf8:
        return "`utf8`";
    case encoding::utf8_list:
        return "`utf8 list`";
    case encoding::records:
        return "`records`";
    }
    return "?";
}

// Runs of whitespace become one space; none at either end.
std::string normalised(std::string_view s) {
    std::string out;
    for (const char c : s) {
        const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
        if (space) {
            if (!out.empty() && out.back() != ' ')
                out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    if (!out.empty() && out.back() == ' ')
        out.pop_back();
    return out;
}

// The rows of message M's fields, leaving out its first `skip_fields`, as its description renders
// them. A field's number is its position in the body: the signature is 0, the word 1.
template <class M>
table field_rows(std::size_t skip_fields) {
    table rows;
    std::size_t number = first_field_index;
    std::apply(
        [&](const auto&... field) {
            (
                [&] {
                    const std::size_t this_number = number++;
                    if (this_number < first_field_index + skip_fields)
                        return;
                    rows.push_back({std::to_string(this_number), std::string{field.name},
                                    encoding_cell(field.wire), normalised(field.rules)});
                }(),
                ...);
        },
        shape_of<M>.fields);
    return rows;
}

// A command's or a reply's whole table; an event's table of the fields after its epoch (the body
// positions every event shares are in one table at the top of section 5).
template <class M>
table rendered_table() {
    if constexpr (is_alternative_of<M, event>) {
        return field_rows<M>(1);
    } else {
        table rows{{"0", "signature", "6 bytes", ""},
                   {"1", "word", "`word`", "`" + std::string{shape_of<M>.word} + "`"}};
        for (row& r : field_rows<M>(0))
            rows.push_back(std::move(r));
        return rows;
    }
}

std::vector<std::string> spec_lines() {
    std::ifstream in{ZCHAT_PROTOCOL_MD};
    EXPECT_TRUE(in) << "cannot read " << ZCHAT_PROTOCOL_MD;
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
        lines.push_back(l);
    return lines;
}

// The cells of a table row "| a | b | c |".
row cells(std::string_view line) {
    line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r'))
        line.remove_suffix(1);
    if (line.ends_with('|'))
        line.remove_suffix(1);
    row r;
    for (;;) {
        const std::size_t bar = line.find('|');
        r.push_back(normalised(line.substr(0, bar)));
        if (bar == std::string_view::npos)
            return r;
        line.remove_prefix(bar + 1);
    }
}

// The lines of the chapter whose heading starts with `heading` ("## 3."), up to the next chapter.
// Words may repeat across chapters (JOIN is a command and an event), never within one.
std::vector<std::string> chapter(const std::vector<std::string>& lines, std::string_view heading) {
    std::vector<std::string> inside;
    bool in = false;
    for (const std::string& l : lines) {
        if (l.starts_with("## "))
            in = l.starts_with(heading);
        if (in)
            inside.push_back(l);
    }
    return inside;
}

// The table rows in the section whose heading starts with `heading`, up to the next heading;
// separator rows and the header rows of field tables ("| # |") left out. Empty if the section has
// no table.
table spec_table(const std::vector<std::string>& lines, std::string_view heading) {
    table rows;
    bool inside = false;
    for (const std::string& l : lines) {
        if (l.starts_with("#")) {
            if (inside)
                break;
            inside = l.starts_with(heading);
            continue;
        }
        if (!inside || !l.starts_with("|") || l.starts_with("|---") || l.starts_with("| # |"))
            continue;
        rows.push_back(cells(l));
    }
    return rows;
}

bool has_heading(const std::vector<std::string>& lines, std::string_view heading) {
    for (const std::string& l : lines)
        if (l.starts_with(heading))
            return true;
    return false;
}

// The first line that starts with `heading`, or "" if there is none.
std::string heading_line(const std::vector<std::string>& lines, std::string_view heading) {
    for (const std::string& l : lines)
        if (l.starts_with(heading))
            return l;
    return {};
}

template <class V, class F>
void for_each_alternative(F f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (f(std::type_identity<std::variant_alternative_t<I, V>>{}), ...);
    }
    (std::make_index_sequence<std::variant_size_v<V>>{});
}

// Checks every message of the variant V against its section, "### WORD: ...", in the chapter
// whose heading starts with `chapter_heading`.
template <class V>
void expect_spec_follows_descriptions(std::string_view chapter_heading) {
    const auto lines = chapter(spec_lines(), chapter_heading);
    for_each_alternative<V>([&]<class M>(std::type_identity<M>) {
        const std::string heading = "### " + std::string{shape_of<M>.word} + ":";
        SCOPED_TRACE(heading);
        ASSERT_TRUE(has_heading(lines, heading));
        table spec = spec_table(lines, heading);
        const table code = rendered_table<M>();
        // The signature's rules cell may be left empty; if it is not, it spells the signature.
        if constexpr (!is_alternative_of<M, event>) {
            if (!spec.empty() && spec.front().size() == 4 && !spec.front().back().empty()) {
                EXPECT_EQ(spec.front().back(), signature_cell());
                spec.front().back().clear();
            }
        }
        EXPECT_EQ(spec, code);
    });
}

TEST(SpecTables, EveryCommandTableIsTheOneItsDescriptionRenders) {
    expect_spec_follows_descriptions<command>("## 3. Commands");
}

TEST(SpecTables, EveryReplyTableIsTheOneItsDescriptionRenders) {
    expect_spec_follows_descriptions<reply>("## 4. Replies");
}

TEST(SpecTables, EveryEventTableIsTheOneItsDescriptionRenders) {
    expect_spec_follows_descriptions<event>("## 5. Events");
}

TEST(SpecTables, TheBodyPositionsEveryEventSharesAreTheOnesEveryDescriptionStartsWith) {
    std::string words;
    for_each_alternative<event>([&]<class M>(std::type_identity<M>) {
        constexpr auto& fields = shape_of<M>.fields;
        EXPECT_EQ(std::get<0>(fields).member, &M::epoch) << shape_of<M>.word;
        // A room's events go on with their sequence number and their room.
        if constexpr (requires(M m) { m.room; }) {
            EXPECT_EQ(std::get<1>(fields).member, &M::seq) << shape_of<M>.word;
            EXPECT_EQ(std::get<2>(fields).member, &M::room) << shape_of<M>.word;
        }
        words += (words.empty() ? "" : ", ") + ("`" + std::string{shape_of<M>.word} + "`");
    });
    // "`LINE`, `JOIN`, ... or `STATS`"
    const std::size_t last_comma = words.rfind(", ");
    words.replace(last_comma, 2, " or ");

    table code{{"0", "signature", "6 bytes", signature_cell()}, {"1", "word", "`word`", words}};
    for (row& r : field_rows<line>(0)) {
        if (code.size() == first_field_index + 1)
            break;
        code.push_back(std::move(r));
    }
    EXPECT_EQ(spec_table(spec_lines(), "## 5. Events"), code);
}

// Each event's heading names the topic its messages carry in their first frame, and whether it
// takes a sequence number: "### LINE: ... (topic `chat/<room>/`, sequenced)".
TEST(SpecTables, EveryEventHeadingNamesItsTopicAndWhetherItIsSequenced) {
    const auto lines = chapter(spec_lines(), "## 5. Events");
    for_each_alternative<event>([&]<class M>(std::type_identity<M>) {
        const std::string word{shape_of<M>.word};
        M sample{};
        // One topic per room, or per probed session; the spec names them by their pattern.
        if constexpr (requires { sample.room; })
            sample.room = "<room>";
        std::string topic = topic_of(event{sample});
        if constexpr (std::is_same_v<M, probe>) {
            EXPECT_EQ(topic, probe_topic(0));
            topic = std::string{topic::probe} + "<session id>/";
        }
        const event_kind kind = event_kind_of(event{M{}});
        const std::string expected =
            "(topic `" + topic + "`, " + (sequenced(kind) ? "" : "not ") + "sequenced)";
        const std::string heading = heading_line(lines, "### " + word + ":");
        EXPECT_TRUE(heading.ends_with(expected)) << heading << "\n  should end with " << expected;
    });
}

// Each record a `records` field can hold has its table in section 2, under "### Record: <name>".
template <class R>
void expect_record_table(std::string_view name) {
    SCOPED_TRACE(name);
    table code;
    std::size_t number = 0;
    std::apply(
        [&](const auto&... field) {
            (code.push_back({std::to_string(number++), std::string{field.name},
                             encoding_cell(field.wire), normalised(field.rules)}),
             ...);
        },
        shape_of<R>.fields);
    const auto lines = chapter(spec_lines(), "## 2. Framing");
    const std::string heading = "### Record: " + std::string{name};
    ASSERT_TRUE(has_heading(lines, heading));
    EXPECT_EQ(spec_table(lines, heading), code);
}

TEST(SpecTables, EveryRecordTableIsTheOneItsDescriptionRenders) {
    expect_record_table<room_position>("room position");
    expect_record_table<room_size>("room size");
    expect_record_table<room_head>("room head");
    expect_record_table<rejection>("rejection");
}

// Section 2 says how many frames each kind of message is, and defines every encoding the tables
// use.
TEST(SpecTables, TheFramingSectionCountsTheFramesTheCodecSendsAndDefinesEveryEncoding) {
    const table framing = spec_table(spec_lines(), "## 2. Framing");
    const auto has_row = [&](const row& wanted) {
        for (const row& r : framing)
            if (r == wanted)
                return true;
        return false;
    };
    const auto exactly = [](std::size_t frames) { return "exactly " + std::to_string(frames); };
    const std::size_t command_frames = encode(command{who{}}).size();
    const std::size_t reply_frames = encode(reply{ack{}}).size();
    const std::size_t event_frames = encode(event{shutdown{}}).size();
    EXPECT_TRUE(has_row({"command (client to broker)", exactly(command_frames) + ": the body"}));
    EXPECT_TRUE(has_row({"reply (broker to client)", exactly(reply_frames) + ": the body"}));
    EXPECT_TRUE(has_row({"event (broker to subscribers)",
                         exactly(event_frames) + ": the topic (section 6), then the body"}));

    // Each encoding's cell opens a row of the encodings table, alone or in a list ("`u8`, `u16`").
    for (const encoding e : every_encoding) {
        const std::string cell = encoding_cell(e);
        bool defined = false;
        for (const row& r : framing) {
            if (r.empty())
                continue;
            std::string_view names = r.front();
            for (;;) {
                const std::size_t comma = names.find(", ");
                if (names.substr(0, comma) == cell)
                    defined = true;
                if (comma == std::string_view::npos)
                    break;
                names.remove_prefix(comma + 2);
            }
        }
        EXPECT_TRUE(defined) << cell << " is not defined in section 2";
    }
}

} // namespace
} // namespace zchat::proto
