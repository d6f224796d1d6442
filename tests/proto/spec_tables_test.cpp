// PROTOCOL.md's frame tables against the codec's descriptions (proto/shapes.hpp): every message's
// table is rendered from the description the codec encodes and decodes with, and the spec must
// hold exactly that table under the message's heading. So the spec and the codec cannot drift.
#include "proto/shapes.hpp"

#include <gtest/gtest.h>

#include <cstddef>
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

// The spec's Encoding column for a field's encoding.
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
    case encoding::utf8_each:
        return "`utf8`";
    case encoding::records:
        return "records";
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
// them.
template <class M>
table field_rows(std::size_t skip_fields) {
    table rows;
    std::size_t number = first_field_frame<M>;
    std::apply(
        [&](const auto&... field) {
            (
                [&] {
                    const std::size_t this_number = number++;
                    if (this_number < first_field_frame<M> + skip_fields)
                        return;
                    const bool list = field.wire == encoding::utf8_each;
                    rows.push_back({std::to_string(this_number) + (list ? ".." : ""),
                                    std::string{field.name}, encoding_cell(field.wire),
                                    normalised(field.rules)});
                }(),
                ...);
        },
        shape_of<M>.fields);
    return rows;
}

// A command's or a reply's whole table; an event's table of the fields after epoch and seq (the
// frames every event shares are in one table at the top of section 5).
template <class M>
table rendered_table() {
    if constexpr (is_alternative_of<M, event>) {
        return field_rows<M>(2);
    } else {
        table rows{{"0", "signature", "6 bytes", ""},
                   {"1", "word", "ASCII", "`" + std::string{shape_of<M>.word} + "`"}};
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

// The frame tables' rows in the section whose heading starts with `heading`, up to the next
// heading; header and separator rows left out. Empty if the section has no table.
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

template <class V, class F>
void for_each_alternative(F f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (f(std::type_identity<std::variant_alternative_t<I, V>>{}), ...);
    }
    (std::make_index_sequence<std::variant_size_v<V>>{});
}

// Checks every message of the variant V against its section, "### WORD: ...".
template <class V>
void expect_spec_follows_descriptions() {
    const auto lines = spec_lines();
    for_each_alternative<V>([&]<class M>(std::type_identity<M>) {
        const std::string heading = "### " + std::string{shape_of<M>.word} + ":";
        SCOPED_TRACE(heading);
        ASSERT_TRUE(has_heading(lines, heading));
        table spec = spec_table(lines, heading);
        const table code = rendered_table<M>();
        // Frame 0's rules are prose the codec has no say in: only its #, name and encoding count.
        if constexpr (!is_alternative_of<M, event>) {
            if (!spec.empty() && spec.front().size() == 4)
                spec.front().back().clear();
        }
        EXPECT_EQ(spec, code);
    });
}

TEST(SpecTables, EveryCommandTableIsTheOneItsDescriptionRenders) {
    expect_spec_follows_descriptions<command>();
}

TEST(SpecTables, EveryReplyTableIsTheOneItsDescriptionRenders) {
    expect_spec_follows_descriptions<reply>();
}

TEST(SpecTables, EveryEventTableIsTheOneItsDescriptionRenders) {
    expect_spec_follows_descriptions<event>();
}

TEST(SpecTables, TheFramesEveryEventSharesAreTheOnesEveryDescriptionStartsWith) {
    std::string words;
    for_each_alternative<event>([&]<class M>(std::type_identity<M>) {
        constexpr auto& fields = shape_of<M>.fields;
        EXPECT_EQ(std::get<0>(fields).member, &M::epoch) << shape_of<M>.word;
        EXPECT_EQ(std::get<1>(fields).member, &M::seq) << shape_of<M>.word;
        words += (words.empty() ? "" : ", ") + ("`" + std::string{shape_of<M>.word} + "`");
    });
    // "`LINE`, `JOIN`, ... or `STATS`"
    const std::size_t last_comma = words.rfind(", ");
    words.replace(last_comma, 2, " or ");

    table code{{"0", "topic", "ASCII", "section 6"},
               {"1", "signature", "6 bytes", "`ZCHAT` `01`"},
               {"2", "word", "ASCII", words}};
    for (row& r : field_rows<line>(0)) {
        if (code.size() == 5)
            break;
        code.push_back(std::move(r));
    }
    EXPECT_EQ(spec_table(spec_lines(), "## 5. Events"), code);
}

} // namespace
} // namespace zchat::proto
