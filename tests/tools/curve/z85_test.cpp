// Z85 against the example of ZeroMQ RFC 32 and against libzmq's own encoder, plus the inputs
// the decoder must refuse.
#include "tools/common/z85.hpp"

#include <zmq.h>

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <stdexcept>

namespace zchat::tools {
namespace {

const std::string rfc32_bytes{"\x86\x4F\xD2\x6F\xB5\x59\xF7\x5B", 8};

TEST(Z85, EncodesTheExampleOfRfc32) {
    EXPECT_EQ(z85_encode(rfc32_bytes), "HelloWorld");
    EXPECT_EQ(z85_decode("HelloWorld"), rfc32_bytes);
}

TEST(Z85, AgreesWithLibzmqOnRandomKeys) {
    std::mt19937 random(32);
    for (int round = 0; round < 100; ++round) {
        std::string key(curve_key_bytes, '\0');
        for (char& c : key)
            c = static_cast<char>(random());
        std::array<char, z85_key_chars + 1> theirs{};
        ASSERT_NE(zmq_z85_encode(theirs.data(), reinterpret_cast<const std::uint8_t*>(key.data()),
                                 key.size()),
                  nullptr);
        EXPECT_EQ(z85_encode(key), theirs.data());
        EXPECT_EQ(z85_decode(theirs.data()), key);
        EXPECT_TRUE(is_z85_key(theirs.data()));
    }
}

TEST(Z85, EncodesOnlyWholeGroupsOfFourBytes) {
    EXPECT_EQ(z85_encode(""), "");
    EXPECT_THROW(z85_encode("abc"), std::invalid_argument);
}

TEST(Z85, RefusesWhatIsNotZ85) {
    EXPECT_EQ(z85_decode("Hello"), std::string("\x86\x4F\xD2\x6F", 4));
    EXPECT_FALSE(z85_decode("Hell"));   // not a whole group of 5
    EXPECT_FALSE(z85_decode("Hell\"")); // '"' is not in the alphabet
    EXPECT_FALSE(z85_decode("Hell "));  // nor is a space
    EXPECT_FALSE(z85_decode(std::string("Hell\0", 5)));
    EXPECT_FALSE(z85_decode("#####"));                      // 85^5 - 1 does not fit in 32 bits
    EXPECT_EQ(z85_decode("%nSc0"), std::string(4, '\xFF')); // the largest group that does
}

TEST(Z85, KeyIsFortyCharactersOfZ85) {
    const std::string key = z85_encode(std::string(curve_key_bytes, '\x42'));
    EXPECT_TRUE(is_z85_key(key));
    EXPECT_FALSE(is_z85_key(key.substr(5)));
    EXPECT_FALSE(is_z85_key(key + "HelloWorld"));
    EXPECT_FALSE(is_z85_key(key.substr(1) + " "));
}

} // namespace
} // namespace zchat::tools
