// SPDX-License-Identifier: GPL-2.0-or-later
#include "filter_narrowing.h"

#include <cctype>
#include <optional>

#include <nlohmann/json.hpp>

namespace espcap::retrieve {
namespace {

using nlohmann::json;

// Protocols whose fields Wireshark also puts in another protocol's layer: a field of
// the first may sit in a document under any of the others. The one place for these
// facts; tests/integration/test_display_filters.py checks the narrowing against tshark.
struct SharedFields {
    const char *owner;
    std::vector<const char *> also_in;
    const char *why;
};
const std::vector<SharedFields> &shared_fields() {
    static const std::vector<SharedFields> table = {
        {"dns", {"mdns", "llmnr"}, "mDNS and LLMNR are dissected by the DNS dissector, with dns.* fields"},
        {"udp", {"udplite"}, "UDP-Lite is dissected by the UDP dissector, with udp.* fields"},
        {"http", {"ssdp"}, "SSDP is dissected by the HTTP dissector, with http.* fields"},
    };
    return table;
}

// Field prefixes that name no protocol layer of their own, or whose fields dissectors
// put into other protocols' layers, possibly with a value the index does not hold (a
// byte field in the compact profile). A comparison on such a field narrows nothing.
// Found by walking `tshark -T json` over test_pcaps/ and its corpus for fields outside
// a layer their name starts with.
struct ForeignFields {
    const char *prefix;
    const char *why;
};
constexpr ForeignFields kForeignFields[] = {
    {"pkcs1", "PKCS #1 fields (byte strings) sit in x509 layers; the protocol is pkcs-1"},
    {"ber", "BER helper fields sit in the layer of the protocol being decoded"},
    {"per", "PER helper fields sit in the layer of the protocol being decoded (t38, rdp)"},
    {"gsm_a", "GSM A-interface fields sit in gsm_sms, gtp and other layers"},
    {"smb", "SMB access-mask fields sit in smb2 layers"},
    {"dcerpc", "DCE/RPC NT fields sit in smb2 layers"},
    {"megaco", "megaco.context sits in sdp layers"},
    {"sip", "sip.call_id_generated sits in rtp layers"},
    {"netbios", "NetBIOS name fields sit in nbp and other layers"},
    {"nbp", "AppleTalk NBP fields sit in other layers (solaris.snoop)"},
    {"nmpi", "NMPI fields sit in ipx layers"},
    {"_ws", "Wireshark's own items (expert, malformed, short) sit in any layer"},
};

bool foreign_field(const std::string &name) {
    const std::string first = name.substr(0, name.find('.'));
    for (const ForeignFields &foreign : kForeignFields)
        if (first == foreign.prefix) return true;
    return false;
}

// The document member EK makes of a name: dots become underscores (tap/json_writer.cpp).
std::string member_name(const std::string &name) {
    std::string member = name;
    for (char &c : member)
        if (c == '.') c = '_';
    return member;
}

// `name` as a literal in a Lucene regular expression.
std::string regexp_literal(const std::string &name) {
    std::string out;
    for (char c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') out += '\\';
        out += c;
    }
    return out;
}

// --- Tokens ---------------------------------------------------------------------------

enum class TokenKind { word, literal, symbol, end };
struct Token {
    TokenKind kind;
    std::string text;
};

bool word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
}

// Symbols, longest first so that "!==" is not read as "!" "==".
constexpr const char *kSymbols[] = {"===", "!==", "==", "!=", "~=", ">=", "<=", "&&", "||", "^^", ">", "<", "~",
                                    "&",   "!",   "(",  ")",  "{",  "}",  "[",  "]",  ",",  "#"};

// Reads a quoted literal starting at `at` (the quote); false when it does not end.
bool skip_quoted(const std::string &text, std::size_t &at) {
    const char quote = text[at++];
    while (at < text.size() && text[at] != quote) at += text[at] == '\\' ? 2 : 1;
    if (at >= text.size()) return false;
    ++at;
    return true;
}

// The tokens of `text`, or nothing for a character this parser does not know
// (`$` macros, `@` raw fields, arithmetic...): then nothing narrows.
std::optional<std::vector<Token>> tokenize(const std::string &text) {
    std::vector<Token> tokens;
    std::size_t at = 0;
    while (at < text.size()) {
        const char c = text[at];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++at;
            continue;
        }
        const std::size_t start = at;
        const bool raw_string = (c == 'r' || c == 'R') && at + 1 < text.size() && text[at + 1] == '"';
        if (c == '"' || c == '\'' || raw_string) {
            if (raw_string) ++at;
            if (!skip_quoted(text, at)) return std::nullopt;
            tokens.push_back({TokenKind::literal, text.substr(start, at - start)});
            continue;
        }
        if (word_char(c)) {
            while (at < text.size() && word_char(text[at])) ++at;
            tokens.push_back({TokenKind::word, text.substr(start, at - start)});
            continue;
        }
        bool known = false;
        for (const char *symbol : kSymbols) {
            const std::string s = symbol;
            if (text.compare(at, s.size(), s) == 0) {
                tokens.push_back({TokenKind::symbol, s});
                at += s.size();
                known = true;
                break;
            }
        }
        if (!known) return std::nullopt;
    }
    tokens.push_back({TokenKind::end, ""});
    return tokens;
}

// --- What a filter requires -----------------------------------------------------------

// `any`: narrows nothing. `field`: the field or protocol `name` is in the packet.
struct Requirement {
    enum class Kind { any, field, all_of, one_of } kind = Kind::any;
    std::string name;
    std::vector<Requirement> parts;
};

Requirement all_of(std::vector<Requirement> parts) {
    std::vector<Requirement> kept;
    for (Requirement &part : parts)
        if (part.kind != Requirement::Kind::any) kept.push_back(std::move(part));
    if (kept.empty()) return {};
    if (kept.size() == 1) return std::move(kept.front());
    return {Requirement::Kind::all_of, "", std::move(kept)};
}

Requirement one_of(std::vector<Requirement> parts) {
    for (const Requirement &part : parts)
        if (part.kind == Requirement::Kind::any) return {};  // that branch may hold anything
    if (parts.size() == 1) return std::move(parts.front());
    return {Requirement::Kind::one_of, "", std::move(parts)};
}

template <typename Names>
bool is_one_of(const std::string &text, const Names &names) {
    for (const char *name : names)
        if (text == name) return true;
    return false;
}
bool is_one_of(const std::string &text, std::initializer_list<const char *> names) {
    return is_one_of<std::initializer_list<const char *>>(text, names);
}

// Wireshark 4.0's fields without a dot in their name and without a value (tshark -G
// fields: FT_NONE): tested alone, they are not protocols and leave no trace in a document.
constexpr const char *kDotlessValuelessFields[] = {"iwarp_ddp", "iwarp_rdma", "marc"};

// Words of the grammar, never fields.
constexpr const char *kKeywords[] = {"and", "or", "not", "xor", "in", "contains", "matches", "eq", "ne",
                                     "gt", "lt", "ge", "le", "any_eq", "all_ne", "any_ne", "all_eq",
                                     "bitwise_and", "lower", "upper", "len", "count", "string"};

// Recursive descent over Wireshark 4.0's grammar: `not` binds tightest, then `and`,
// then `or` (tshark: "a == 1 or a == 2 and a == 3" selects a == 1). Every function
// returns nothing on what it does not know, and the whole filter then narrows nothing.
class Parser {
public:
    Parser(std::vector<Token> tokens, const std::set<std::string> &fields) : tokens_(std::move(tokens)), fields_(fields) {}

    std::optional<Requirement> whole() {
        auto result = disjunction();
        if (!result || peek().kind != TokenKind::end) return std::nullopt;
        return result;
    }

private:
    const Token &peek() const { return tokens_[at_]; }
    const Token &take() { return tokens_[at_ < tokens_.size() - 1 ? at_++ : at_]; }
    bool next_is(std::initializer_list<const char *> texts) const {
        return peek().kind != TokenKind::end && peek().kind != TokenKind::literal && is_one_of(peek().text, texts);
    }

    std::optional<Requirement> disjunction() {
        std::vector<Requirement> branches;
        do {
            auto branch = conjunction();
            if (!branch) return std::nullopt;
            branches.push_back(std::move(*branch));
        } while (next_is({"or", "||", "xor", "^^"}) && (take(), true));  // xor: either side may be the one true
        return one_of(std::move(branches));
    }

    std::optional<Requirement> conjunction() {
        std::vector<Requirement> parts;
        do {
            auto part = negation();
            if (!part) return std::nullopt;
            parts.push_back(std::move(*part));
        } while (next_is({"and", "&&"}) && (take(), true));
        return all_of(std::move(parts));
    }

    std::optional<Requirement> negation() {
        if (next_is({"not", "!"})) {
            take();
            // Whatever the negated part needs, its absence may be what selects.
            if (!negation()) return std::nullopt;
            return Requirement{};
        }
        if (next_is({"("})) {
            take();
            auto inner = disjunction();
            if (!inner || !next_is({")"})) return std::nullopt;
            take();
            return inner;
        }
        return relation();
    }

    // A test (`dns`) or a comparison; every comparison of Wireshark 4.0, `!=` included,
    // is false when an operand has no value, so both operands' fields are required.
    std::optional<Requirement> relation() {
        auto left = operand();
        if (!left) return std::nullopt;
        if (next_is({"==", "!=", "===", "!==", "~=", ">", "<", ">=", "<=", "~", "&", "eq", "ne", "any_eq", "all_ne",
                     "all_eq", "any_ne", "gt", "lt", "ge", "le", "contains", "matches", "bitwise_and"})) {
            take();
            auto right = operand();
            if (!right) return std::nullopt;
            return all_of({std::move(*left), std::move(*right)});
        }
        if (next_is({"in"})) {
            take();
            if (!next_is({"{"}) || !skip_group("{", "}")) return std::nullopt;
            return left;
        }
        return existence_test(std::move(*left));
    }

    // A field tested alone may be one without a value (FT_NONE, as expert items are),
    // which a document holds as null, and dissectors put such fields into other
    // protocols' layers (eth.padding_bad under sll): nothing in the index shows them.
    // Protocols are named without dots, and all but a few dotless names are protocols.
    static Requirement existence_test(Requirement tested) {
        if (tested.kind != Requirement::Kind::field) return tested;
        if (tested.name.find('.') != std::string::npos || is_one_of(tested.name, kDotlessValuelessFields)) return {};
        return tested;
    }

    // A field (with a layer `#N` and slices), lower/upper/len of one, or a literal.
    std::optional<Requirement> operand() {
        if (peek().kind == TokenKind::literal) {
            take();
            return Requirement{};
        }
        if (next_is({"{"})) {  // a set or an arithmetic expression: values, not requirements
            if (!skip_group("{", "}")) return std::nullopt;
            return Requirement{};
        }
        if (peek().kind != TokenKind::word || next_is({"and", "or", "not", "xor", "in", "contains", "matches"}))
            return std::nullopt;
        const std::string word = take().text;
        if (next_is({"("})) {
            if (is_one_of(word, {"lower", "upper", "len"})) {
                take();
                auto inner = operand();
                if (!inner || !next_is({")"})) return std::nullopt;
                take();
                return inner;
            }
            // count(), string(), min()...: a value even for a missing field, or unknown.
            if (!skip_group("(", ")")) return std::nullopt;
            return Requirement{};
        }
        if (next_is({"#"})) {  // ip.src#2: the field in its second layer
            take();
            if (peek().kind != TokenKind::word) return std::nullopt;
            take();
        }
        while (next_is({"["}))
            if (!skip_group("[", "]")) return std::nullopt;
        if (fields_.count(word) == 0) return Requirement{};  // a literal: 10.0.0.0/8, GET, 0x02
        if (foreign_field(word)) return Requirement{};
        return Requirement{Requirement::Kind::field, word, {}};
    }

    // Skips a balanced group starting at `open`.
    bool skip_group(const char *open, const char *close) {
        int depth = 0;
        do {
            if (peek().kind == TokenKind::end) return false;
            const Token &token = take();
            if (token.kind == TokenKind::symbol && token.text == open) ++depth;
            if (token.kind == TokenKind::symbol && token.text == close) --depth;
        } while (depth > 0);
        return true;
    }

    std::vector<Token> tokens_;
    std::size_t at_ = 0;
    const std::set<std::string> &fields_;
};

// --- The engine query -----------------------------------------------------------------

// Documents where protocol `name` may be: its layer at any depth (an ICMP error's
// quoted IP is layers.icmp.ip), or its name in frame.protocols (a layer left out by
// protocols=/drop_protocols= still shows there).
void add_protocol_clauses(const std::string &name, json &should) {
    should.push_back({{"exists", {{"field", "layers*." + member_name(name) + ".*"}}}});
    should.push_back({{"regexp", {{"layers.frame.frame_frame_protocols", "(.*:)?" + regexp_literal(name) + "(:.*)?"}}}});
}

// Documents whose packet may hold field or protocol `name`.
json field_query(const std::string &name) {
    json should = json::array();
    std::set<std::string> protocols;
    // The field's protocol is one of its dotted prefixes ("_ws.expert" for _ws.expert.message).
    for (std::size_t dot = name.find('.'); ; dot = name.find('.', dot + 1)) {
        protocols.insert(name.substr(0, dot));
        if (dot == std::string::npos) break;
    }
    const std::string first = name.substr(0, name.find('.'));
    for (const SharedFields &shared : shared_fields())
        if (first == shared.owner) protocols.insert(shared.also_in.begin(), shared.also_in.end());
    for (const std::string &protocol : protocols) add_protocol_clauses(protocol, should);
    // The field's own member, in whatever layer it sits ("dns_dns_qry_name" under mdns).
    should.push_back({{"exists", {{"field", "layers*_" + member_name(name)}}}});
    // A document whose frame.protocols is not indexed (over ignore_above, or a layer
    // choice that left out frame) proves nothing either way: it stays.
    should.push_back({{"bool", {{"must_not", {{"exists", {{"field", "layers.frame.frame_frame_protocols"}}}}}}}});
    return {{"bool", {{"should", should}, {"minimum_should_match", 1}}}};
}

json query_of(const Requirement &requirement) {
    if (requirement.kind == Requirement::Kind::field) return field_query(requirement.name);
    json parts = json::array();
    for (const Requirement &part : requirement.parts) parts.push_back(query_of(part));
    if (requirement.kind == Requirement::Kind::all_of) return {{"bool", {{"filter", parts}}}};
    return {{"bool", {{"should", parts}, {"minimum_should_match", 1}}}};
}

std::string describe(const Requirement &requirement, bool nested) {
    if (requirement.kind == Requirement::Kind::field) return requirement.name;
    std::string text;
    for (const Requirement &part : requirement.parts) {
        if (!text.empty()) text += requirement.kind == Requirement::Kind::all_of ? " and " : " or ";
        text += describe(part, true);
    }
    return nested ? "(" + text + ")" : text;
}

}  // namespace

std::vector<std::string> field_name_candidates(const std::string &filter) {
    std::vector<std::string> words;
    const auto tokens = tokenize(filter);
    if (!tokens) return words;
    std::set<std::string> seen;
    for (const Token &token : *tokens) {
        if (token.kind != TokenKind::word) continue;
        const unsigned char first = static_cast<unsigned char>(token.text.front());
        const bool name_like = (std::isalpha(first) || first == '_') &&
                               token.text.find_first_of(":/") == std::string::npos && token.text.back() != '.';
        if (name_like && !is_one_of(token.text, kKeywords) && seen.insert(token.text).second)
            words.push_back(token.text);
    }
    return words;
}

Narrowing narrow_display_filter(const std::string &filter, const std::set<std::string> &fields) {
    auto tokens = tokenize(filter);
    if (!tokens) return {};
    Parser parser(std::move(*tokens), fields);
    const std::optional<Requirement> requirement = parser.whole();
    if (!requirement || requirement->kind == Requirement::Kind::any) return {};
    return {query_of(*requirement).dump(), describe(*requirement, false)};
}

}  // namespace espcap::retrieve
