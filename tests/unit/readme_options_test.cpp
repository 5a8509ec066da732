// SPDX-License-Identifier: GPL-2.0-or-later
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "options.h"

// The README's options table must list exactly the keys espcap knows: a new option
// without a row, or a row for an option that is gone, fails here. And it must be the
// option table's own text (options_markdown_table()), so its defaults, ranges and help
// never drift from the code.
namespace {

std::string read_readme() {
    std::ifstream in(ESPCAP_README_PATH);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The keys in backticks in the first cell of each row of the table that follows the
// "## Options" heading, with how often each appears.
std::map<std::string, int> readme_option_keys(const std::string &readme) {
    std::map<std::string, int> keys;
    std::istringstream lines(readme);
    std::string line;
    bool in_section = false, in_table = false;
    while (std::getline(lines, line)) {
        if (line.rfind("## ", 0) == 0) {
            if (in_table) break;  // the next section: the table has ended
            in_section = line == "## Options";
            continue;
        }
        if (!in_section) continue;
        if (line.rfind("| key |", 0) == 0) {
            in_table = true;
            continue;
        }
        if (!in_table) continue;
        if (line.rfind('|', 0) != 0) break;  // the first line that is no row ends the table
        if (line.rfind("|---", 0) == 0) continue;
        const std::string first_cell = line.substr(1, line.find('|', 1) - 1);
        for (std::size_t open = first_cell.find('`'); open != std::string::npos;) {
            const std::size_t close = first_cell.find('`', open + 1);
            if (close == std::string::npos) break;
            ++keys[first_cell.substr(open + 1, close - open - 1)];
            open = first_cell.find('`', close + 1);
        }
    }
    return keys;
}

// The lines of the table that follows the "## Options" heading, header included.
std::string readme_options_table(const std::string &readme) {
    std::string table;
    std::istringstream lines(readme);
    std::string line;
    bool in_section = false;
    while (std::getline(lines, line)) {
        if (line.rfind("## ", 0) == 0) {
            if (!table.empty()) break;
            in_section = line == "## Options";
            continue;
        }
        if (!in_section) continue;
        if (line.rfind("| key |", 0) == 0 || (!table.empty() && line.rfind('|', 0) == 0)) {
            table += line + "\n";
        } else if (!table.empty()) {
            break;
        }
    }
    return table;
}

std::string joined(const std::vector<std::string> &names) {
    std::string text;
    for (const std::string &name : names) text += (text.empty() ? "" : ", ") + name;
    return text;
}

}  // namespace

TEST_CASE("The README's options table lists exactly the options espcap knows", "[options][readme]") {
    const std::map<std::string, int> documented = readme_option_keys(read_readme());
    REQUIRE_FALSE(documented.empty());  // the "## Options" section and its "| key |" table exist

    std::set<std::string> known;
    for (const espcap::OptionSpec &spec : espcap::option_specs()) known.insert(spec.key);

    std::vector<std::string> missing_from_readme, unknown_to_espcap, listed_twice;
    for (const std::string &key : known)
        if (documented.find(key) == documented.end()) missing_from_readme.push_back(key);
    for (const auto &[key, rows] : documented) {
        if (known.find(key) == known.end()) unknown_to_espcap.push_back(key);
        if (rows > 1) listed_twice.push_back(key);
    }
    INFO("options with no row in README.md: " << joined(missing_from_readme));
    INFO("rows in README.md for keys espcap does not know: " << joined(unknown_to_espcap));
    INFO("keys with more than one row: " << joined(listed_twice));
    CHECK(missing_from_readme.empty());
    CHECK(unknown_to_espcap.empty());
    CHECK(listed_twice.empty());
}

TEST_CASE("The README's options table is the option table's text", "[options][readme]") {
    const std::string expected = espcap::options_markdown_table();
    const bool same = readme_options_table(read_readme()) == expected;
    if (!same) {
        // Catch wraps long lines: the table to paste goes to a file instead.
        const std::string path = std::filesystem::absolute("readme_options_table.md").string();
        std::ofstream(path) << expected;
        INFO("README.md's options table differs from common/option_table.cpp's text; the table it should be is in "
             << path);
        CHECK(same);
    }
}
