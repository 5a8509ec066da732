// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>

#include "options.h"
#include "secret_file.h"
#include "temporary_folder.h"

using espcap::read_secret_file;

namespace {
std::string write_file(const std::filesystem::path &path, const std::string &content, mode_t mode) {
    std::ofstream(path, std::ios::binary) << content;
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    return path.string();
}
}  // namespace

TEST_CASE("A secret file readable by its owner alone gives its one line", "[options][secret]") {
    espcap::test::TemporaryFolder folder;
    std::string secret, problem;
    CHECK(read_secret_file(write_file(folder.path / "a", "s3cret\n", 0600), secret, problem));
    CHECK(secret == "s3cret");
    CHECK(read_secret_file(write_file(folder.path / "b", "no line end", 0400), secret, problem));
    CHECK(secret == "no line end");
}

TEST_CASE("A secret file others may read is refused, as ssh refuses such keys", "[options][secret]") {
    espcap::test::TemporaryFolder folder;
    std::string secret, problem;
    CHECK_FALSE(read_secret_file(write_file(folder.path / "a", "s3cret\n", 0644), secret, problem));
    CHECK(problem.find("mode 0644") != std::string::npos);
    CHECK(problem.find("chmod 600") != std::string::npos);
    CHECK(problem.find("s3cret") == std::string::npos);
    CHECK_FALSE(read_secret_file(write_file(folder.path / "b", "s3cret\n", 0640), secret, problem));
    CHECK(secret.empty());
}

TEST_CASE("An empty, missing or many-line secret file is refused with the reason", "[options][secret]") {
    espcap::test::TemporaryFolder folder;
    std::string secret, problem;
    CHECK_FALSE(read_secret_file(write_file(folder.path / "a", "\n", 0600), secret, problem));
    CHECK(problem.find("empty") != std::string::npos);
    CHECK_FALSE(read_secret_file((folder.path / "missing").string(), secret, problem));
    CHECK(problem.find("No such file") != std::string::npos);
    CHECK_FALSE(read_secret_file(write_file(folder.path / "c", "one\ntwo\n", 0600), secret, problem));
    CHECK(problem.find("more than one line") != std::string::npos);
    CHECK_FALSE(read_secret_file(folder.path.string(), secret, problem));
}

TEST_CASE("password_file and api_key_file set the secret; with password or api_key too they are refused",
          "[options][secret]") {
    espcap::test::TemporaryFolder folder;
    const std::string path = write_file(folder.path / "p", "s3cret\n", 0600);
    auto parsed = espcap::parse_options({{"user", "bob"}, {"password_file", path}});
    REQUIRE(parsed.ok());
    CHECK(parsed.options.password == "s3cret");
    parsed = espcap::parse_options({{"api_key_file", path}});
    REQUIRE(parsed.ok());
    CHECK(parsed.options.api_key == "s3cret");
    parsed = espcap::parse_options({{"password", "x"}, {"password_file", path}});
    CHECK(parsed.error == "option 'password_file': give either password or password_file, not both");
    parsed = espcap::parse_options({{"password_file", write_file(folder.path / "q", "s3cret\n", 0604)}});
    CHECK(parsed.error.find("option 'password_file': '") == 0);
    CHECK(parsed.error.find("s3cret") == std::string::npos);
}

TEST_CASE("A secret on the command line works, with a warning that others can read it", "[options][secret]") {
    const auto warnings = espcap::command_line_secret_warnings({{"user", "bob"}, {"password", "x"}, {"api_key", "k"}});
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[0].find("password is on the command line") == 0);
    CHECK(warnings[0].find("password_file=PATH") != std::string::npos);
    CHECK(warnings[1].find("api_key_file=PATH") != std::string::npos);
    CHECK(espcap::command_line_secret_warnings({{"password_file", "/p"}}).empty());
}

TEST_CASE("Credentials over http:// to another machine get a warning; loopback and https do not",
          "[options][secret]") {
    auto warned = [](const espcap::RawOptions &raw) {
        const auto parsed = espcap::parse_options(raw);
        REQUIRE(parsed.ok());
        return espcap::connection_warnings(parsed.options);
    };
    CHECK(warned({{"node", "http://es.example:9200"}, {"user", "bob"}}).size() == 1);
    CHECK(warned({{"node", "es.example:9200"}, {"api_key", "k"}}).size() == 1);
    CHECK(warned({{"node", "https://es.example:9200"}, {"user", "bob"}}).empty());
    CHECK(warned({{"node", "127.0.0.1:9200"}, {"user", "bob"}}).empty());
    CHECK(warned({{"node", "http://es.example:9200"}}).empty());
}
