// Key pairs from libzmq, and key files as zchat-keygen writes them and the broker, the client
// and the tap read them: the format, the errors, and the permissions a secret key must have.
#include "proto/runtime/curve_keys.hpp"

#include "tests/support/temp_dir.hpp"
#include "tests/support/thrown.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <functional>

namespace zchat::runtime {
namespace {

using test::temp_dir;

mode_t mode_of(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
}

std::string error_of(const std::function<void()>& action) {
    return test::message_thrown<key_error>(action);
}

TEST(CurveKeys, GeneratedPairsAreFreshAndTheirPublicKeyDerivesFromTheSecret) {
    const curve_key_pair a = generate_key_pair();
    const curve_key_pair b = generate_key_pair();
    EXPECT_TRUE(is_z85_key(a.public_key));
    EXPECT_TRUE(is_z85_key(a.secret_key));
    EXPECT_NE(a.secret_key, b.secret_key);
    EXPECT_EQ(public_key_of(a.secret_key), a.public_key);
    EXPECT_EQ(public_key_of(b.secret_key), b.public_key);
    EXPECT_THROW(public_key_of("not a key"), key_error);
}

TEST(CurveKeys, KeyFileIsTheHeaderThenTheKey) {
    const std::string key = generate_key_pair().public_key;
    EXPECT_EQ(format_key_file(key_kind::public_key, key), "== CURVE PUBLIC KEY ==\n" + key + "\n");
    EXPECT_EQ(format_key_file(key_kind::secret_key, key), "== CURVE SECRET KEY ==\n" + key + "\n");
}

TEST(CurveKeys, ParsingToleratesBlankLinesCarriageReturnsAndAMissingHeader) {
    const std::string key = generate_key_pair().secret_key;
    for (const std::string& text : {format_key_file(key_kind::secret_key, key),
                                    "\r\n== CURVE SECRET KEY ==\r\n" + key + "\r\n\n", key}) {
        SCOPED_TRACE(text);
        EXPECT_EQ(parse_key_file(text, key_kind::secret_key, "f"), key);
    }
}

TEST(CurveKeys, ParsingRefusesTheWrongKindAndAnythingButOneKey) {
    const std::string key = generate_key_pair().public_key;
    const auto parse = [](const std::string& text) {
        return error_of([&] { parse_key_file(text, key_kind::secret_key, "alice.secret"); });
    };
    EXPECT_EQ(parse(format_key_file(key_kind::public_key, key)),
              "alice.secret: this is a public key file; a secret key is needed");
    EXPECT_EQ(parse(""), "alice.secret: no key in the file");
    EXPECT_EQ(parse(key + "\n" + key + "\n"), "alice.secret: more than one key in the file");
    EXPECT_EQ(parse("hello\n"), "alice.secret: not a CURVE secret key file (expected '== CURVE "
                                "SECRET KEY ==' and a 40-character Z85 key)");
    EXPECT_NE(parse(key.substr(1) + "\"\n").find("not a CURVE secret key file"), std::string::npos);
}

TEST(CurveKeys, WrittenFilesReadBackWithTheModeTheirKindNeeds) {
    temp_dir dir;
    const curve_key_pair pair = generate_key_pair();
    write_key_file(dir / "k.pub", key_kind::public_key, pair.public_key, false);
    write_key_file(dir / "k.secret", key_kind::secret_key, pair.secret_key, false);
    EXPECT_EQ(mode_of(dir / "k.pub"), 0644u);
    EXPECT_EQ(mode_of(dir / "k.secret"), 0600u);
    EXPECT_EQ(read_key_file(dir / "k.pub", key_kind::public_key), pair.public_key);
    EXPECT_EQ(read_key_file(dir / "k.secret", key_kind::secret_key), pair.secret_key);
}

TEST(CurveKeys, AnExistingFileIsReplacedOnlyWhenAskedAndThenGetsASecretsMode) {
    temp_dir dir;
    const std::string path = dir.write("k.secret", "old\n", 0644);
    const std::string key = generate_key_pair().secret_key;
    EXPECT_EQ(error_of([&] { write_key_file(path, key_kind::secret_key, key, false); }),
              "cannot write " + path + ": File exists (use --force to replace it)");
    EXPECT_EQ(test::read_file(path), "old\n");

    write_key_file(path, key_kind::secret_key, key, true);
    EXPECT_EQ(mode_of(path), 0600u);
    EXPECT_EQ(read_key_file(path, key_kind::secret_key), key);
}

TEST(CurveKeys, SecretKeyThatOthersMayReadIsRefusedWithTheFix) {
    temp_dir dir;
    const std::string key = generate_key_pair().secret_key;
    const std::string path =
        dir.write("k.secret", format_key_file(key_kind::secret_key, key), 0640);
    EXPECT_EQ(error_of([&] { read_key_file(path, key_kind::secret_key); }),
              path + " is a secret key that other users may read (mode 0640); run: chmod 600 " +
                  path);
    // A public key is public: the same mode is fine for one.
    const std::string pub = dir.write("k.pub", format_key_file(key_kind::public_key, key), 0644);
    EXPECT_EQ(read_key_file(pub, key_kind::public_key), key);
}

TEST(CurveKeys, APublicKeyFileGivenAsTheSecretIsNamedAsSuchBeforeItsPermissions) {
    temp_dir dir;
    const auto pair = generate_key_pair();
    // As zchat-keygen writes it: mode 0644, which would be wrong for a secret.
    const std::string pub =
        dir.write("alice.pub", format_key_file(key_kind::public_key, pair.public_key), 0644);
    EXPECT_EQ(error_of([&] { read_key_file(pub, key_kind::secret_key); }),
              pub + ": this is a public key file; a secret key is needed");
    const std::string secret =
        dir.write("alice.secret", format_key_file(key_kind::secret_key, pair.secret_key), 0600);
    EXPECT_EQ(error_of([&] { read_key_file(secret, key_kind::public_key); }),
              secret + ": this is a secret key file; a public key is needed");
    const std::string garbage = dir.write("x.secret", "hello\n", 0644);
    EXPECT_EQ(error_of([&] { read_key_file(garbage, key_kind::secret_key); }),
              garbage + ": not a CURVE secret key file (expected '== CURVE SECRET KEY ==' and a "
                        "40-character Z85 key)");
}

TEST(CurveKeys, MissingFileIsAnErrorNamingIt) {
    temp_dir dir;
    EXPECT_EQ(error_of([&] { read_key_file(dir / "none", key_kind::public_key); }),
              "cannot read " + (dir / "none") + ": No such file or directory");
}

} // namespace
} // namespace zchat::runtime
