// The CURVE allowlist and the ZAP handler's answers, without sockets: requests are scripted as
// the frames libzmq sends to inproc://zeromq.zap.01 (ZeroMQ RFC 27).
#include "proto/runtime/access.hpp"

#include "proto/runtime/curve_keys.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/thrown.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <unordered_set>
#include <vector>

namespace zchat::runtime {
namespace {

using test::temp_dir;

// A distinct 32-byte key per seed, raw and in Z85.
std::string raw_key(char seed) {
    return std::string(curve_key_bytes, seed);
}
std::string z85_key(char seed) {
    return z85_encode_key(raw_key(seed));
}

std::string error_of(const std::function<void()>& action) {
    return test::message_thrown<allowlist_error>(action);
}

TEST(Allowlist, ReadsKeysWithOrWithoutANameAndSkipsCommentsAndTheKeyFileHeader) {
    allowlist allowed;
    allowed.add("# the team\n"
                "\n"
                "== CURVE PUBLIC KEY ==\n" +
                    z85_key('a') + " Alice\r\n" + z85_key('b') + "\n#\n",
                "team.txt");
    EXPECT_EQ(allowed.size(), 2u);
    ASSERT_NE(allowed.find(z85_key('a')), nullptr);
    EXPECT_EQ(allowed.find(z85_key('a'))->folded, "alice");
    ASSERT_NE(allowed.find(z85_key('b')), nullptr);
    EXPECT_EQ(allowed.find(z85_key('b'))->folded, "");
    EXPECT_EQ(allowed.find(z85_key('c')), nullptr);
    EXPECT_EQ(allowed.bound_names(), (std::unordered_set<std::string>{"alice"}));
}

TEST(Allowlist, BadLinesAreErrorsNamingTheFileAndLine) {
    const auto add = [](const std::string& text) {
        return error_of([&] { allowlist{}.add(text, "team.txt"); });
    };
    EXPECT_EQ(add("# ok\nnot-a-key bob\n"),
              "team.txt:2: expected a 40-character Z85 public key, then optionally a name; got "
              "'not-a-key bob'");
    EXPECT_EQ(add(z85_key('a') + " bad\x1bname\n"),
              "team.txt:1: the name 'bad\\u{1B}name' is not valid: name contains a control "
              "character");
    EXPECT_EQ(add(z85_key('a') + " alice\n" + z85_key('a') + " bob\n"),
              "team.txt:2: the key " + z85_key('a') +
                  " is listed twice with different names or roles");
    EXPECT_EQ(add(z85_key('a') + " alice\n" + z85_key('a') + " alice\n"), "(no error)");
}

TEST(Allowlist, LoadsAFileOrEveryVisibleFileOfADirectory) {
    temp_dir dir;
    dir.write("alice.pub", "== CURVE PUBLIC KEY ==\n" + z85_key('a') + "\n");
    dir.write("bob.txt", z85_key('b') + " bob\n");
    dir.write(".swap", "anything at all");

    allowlist from_dir;
    from_dir.load(dir.path().string());
    EXPECT_EQ(from_dir.size(), 2u);
    ASSERT_NE(from_dir.find(z85_key('b')), nullptr);
    EXPECT_EQ(from_dir.find(z85_key('b'))->folded, "bob");

    allowlist from_file;
    from_file.load(dir / "alice.pub");
    EXPECT_EQ(from_file.size(), 1u);

    EXPECT_EQ(error_of([&] { allowlist{}.load(dir / "none"); }),
              "cannot read allowlist " + (dir / "none"));
}

// ---- ZAP ----

std::vector<std::string_view> views(const std::vector<std::string>& frames) {
    return {frames.begin(), frames.end()};
}

std::vector<std::string> curve_request(const std::string& key) {
    return {"1.0", "req-7", "zchat", "127.0.0.1", "", "CURVE", key};
}

allowlist alice_and_anyone() {
    allowlist allowed;
    allowed.add(z85_key('a') + " alice\n" + z85_key('b') + "\n", "team.txt");
    return allowed;
}

// A line "relay KEY" lists a relay's key: admitted like a client's, bound to no name, and marked
// as one that may carry other clients' commands.
TEST(Allowlist, ARelaysKeyIsListedWithItsRoleAndNoName) {
    allowlist allowed;
    allowed.add("relay " + z85_key('r') + "\n" + z85_key('a') + " alice\n", "team.txt");
    ASSERT_NE(allowed.find(z85_key('r')), nullptr);
    EXPECT_TRUE(allowed.find(z85_key('r'))->relay);
    EXPECT_EQ(allowed.find(z85_key('r'))->folded, "");
    EXPECT_FALSE(allowed.find(z85_key('a'))->relay);
    EXPECT_EQ(allowed.bound_names(), (std::unordered_set<std::string>{"alice"}));
    const auto request = curve_request(raw_key('r'));
    EXPECT_TRUE(answer_zap(allowed, views(request)).allowed);

    const auto add = [](const std::string& text) {
        return error_of([&] { allowlist{}.add(text, "team.txt"); });
    };
    EXPECT_EQ(add("relay " + z85_key('r') + " edge\n"),
              "team.txt:1: a relay's key joins under no name; got 'relay " + z85_key('r') +
                  " edge'");
    EXPECT_EQ(add("relay edge\n"), "team.txt:1: expected 'relay' and a relay's 40-character Z85 "
                                   "public key, alone; got 'relay edge'");
    EXPECT_EQ(add("relay " + z85_key('r') + "\n" + z85_key('r') + "\n"),
              "team.txt:2: the key " + z85_key('r') +
                  " is listed twice with different names or roles");
}

TEST(Zap, ListedKeyIsAcceptedWithTheKeyAsTheUserIdAndItsBoundNameIsLookedUpByIt) {
    const allowlist allowed = alice_and_anyone();
    const auto request = curve_request(raw_key('a'));
    const zap_answer a = answer_zap(allowed, views(request));
    EXPECT_TRUE(a.allowed);
    EXPECT_EQ(a.reply, (proto::frame_list{"1.0", "req-7", "200", "OK", z85_key('a'), ""}));
    EXPECT_EQ(a.reason, "");
    ASSERT_NE(allowed.find(z85_key('a')), nullptr);
    EXPECT_EQ(allowed.find(z85_key('a'))->folded, "alice");

    const auto unnamed = curve_request(raw_key('b'));
    EXPECT_EQ(answer_zap(allowed, views(unnamed)).reply,
              (proto::frame_list{"1.0", "req-7", "200", "OK", z85_key('b'), ""}));
    ASSERT_NE(allowed.find(z85_key('b')), nullptr);
    EXPECT_EQ(allowed.find(z85_key('b'))->folded, "");
    EXPECT_EQ(allowed.find(z85_key('c')), nullptr);
}

TEST(Allowlist, AReloadTellsWhichKeysWereRemoved) {
    const allowlist before = alice_and_anyone();
    allowlist after;
    after.add(z85_key('a') + " Alice\n" + z85_key('c') + "\n", "team.txt");
    EXPECT_EQ(before.keys_missing_from(after), (std::unordered_set<std::string>{z85_key('b')}));
    EXPECT_EQ(after.keys_missing_from(before), (std::unordered_set<std::string>{z85_key('c')}));
    EXPECT_TRUE(before.keys_missing_from(before).empty());
}

TEST(Zap, UnlistedKeyIsRefusedAndLoggedWithTheKey) {
    const auto request = curve_request(raw_key('c'));
    const zap_answer a = answer_zap(alice_and_anyone(), views(request));
    EXPECT_FALSE(a.allowed);
    EXPECT_EQ(a.reply, (proto::frame_list{"1.0", "req-7", "400", "key not allowed", "", ""}));
    EXPECT_EQ(a.reason, "key not on the allowlist");
    EXPECT_EQ(a.address, "127.0.0.1");
    EXPECT_EQ(a.key, z85_key('c'));
}

TEST(Zap, AnEmptyAllowlistAdmitsNobody) {
    allowlist nobody;
    nobody.add("# everyone has left\n", "empty.txt");
    EXPECT_EQ(nobody.size(), 0u);
    const auto request = curve_request(raw_key('a'));
    const zap_answer a = answer_zap(nobody, views(request));
    EXPECT_FALSE(a.allowed);
    EXPECT_EQ(a.reply[2], "400");
}

TEST(Zap, AnythingButCurveOfOurDomainIsRefusedAndAMalformedRequestIsAServerError) {
    const allowlist allowed = alice_and_anyone();
    const std::vector<std::string> plain{"1.0", "req-8", "zchat", "127.0.0.1", "", "NULL"};
    const zap_answer a = answer_zap(allowed, views(plain));
    EXPECT_EQ(a.reply, (proto::frame_list{"1.0", "req-8", "400", "CURVE required", "", ""}));
    EXPECT_EQ(a.reason, "it does not speak CURVE");
    EXPECT_EQ(a.key, "");

    const auto short_key = curve_request("short");
    EXPECT_EQ(answer_zap(allowed, views(short_key)).reply[3], "malformed CURVE credentials");
    auto other_domain = curve_request(raw_key('a'));
    other_domain[2] = "elsewhere";
    const zap_answer elsewhere = answer_zap(allowed, views(other_domain));
    EXPECT_EQ(elsewhere.reply[3], "unknown ZAP domain");
    EXPECT_EQ(elsewhere.domain, "elsewhere");

    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"1.0", "req-9"},
          std::vector<std::string>{"2.0", "req-9", "", "127.0.0.1", "", "CURVE", raw_key('a')}}) {
        const zap_answer m = answer_zap(allowed, views(bad));
        EXPECT_FALSE(m.allowed);
        EXPECT_EQ(m.reply[1], "req-9");
        EXPECT_EQ(m.reply[2], "500");
    }
}

} // namespace
} // namespace zchat::runtime
