package io.ontapjobs.ontap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The allow list's entry grammar and what it lets through: method, path and query, as plain strings. */
class AllowListTest {
    static final String KEY = "ontap.clusters.c1.allow";
    /** The shipped list (config/application.properties) and what an operator adds for changes and deletions. */
    static final AllowList LIST = AllowList.parse("POST /api/storage/volumes ?return_records, POST /api/storage/volumes/*/snapshots,"
            + " POST /api/snapmirror/relationships/*/transfers, PATCH /api/storage/volumes/* ?fields,"
            + " DELETE /api/storage/volumes/*/snapshots/*, PATCH /api/storage/volumes ?name&svm.name,"
            + " DELETE /api/storage/qtrees ?volume.name&name=*, POST /api/protocols/**/rules, PATCH /api/storage/luns/'*' ?svm.name", KEY);

    /** What the list answers: "allowed", or "400 field" (malformed: no entry could name it) / "403 field" (not on the list). */
    static String answer(AllowList list, String method, String path, Map<String, String> query) {
        return list.check(method, path, query).map(r -> (r.malformed() ? "400 " : "403 ") + r.field()).orElse("allowed");
    }

    static Map<String, String> q(String... nameValue) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            m.put(nameValue[i], nameValue[i + 1]);
        }
        return m;
    }

    record Case(String method, String path, Map<String, String> query, String expected) {
    }

    @Test
    void aRequestIsAllowedOnlyWhenOneEntryCoversItsMethodPathAndQuery() {
        List<Case> cases = List.of(
                // the demo's and the examples' requests
                new Case("POST", "/api/storage/volumes", q(), "allowed"),
                new Case("POST", "/api/storage/volumes", q("return_records", "false", "return_timeout", "30"), "allowed"),
                new Case("POST", "/api/storage/volumes/4a7e8c5b-3f2d-11ef-9c1a-005056bb1234/snapshots", q(), "allowed"),
                new Case("POST", "/api/snapmirror/relationships/r1/transfers", q(), "allowed"),
                // the reported attacks: a * path segment (ONTAP's bulk key) and query filters
                new Case("POST", "/api/storage/volumes/*/snapshots", q("volume.name", "*"), "400 path"),
                new Case("POST", "/api/storage/volumes/*/snapshots", q(), "400 path"),
                new Case("PATCH", "/api/storage/volumes/*", q("name", "*"), "400 path"),
                new Case("PATCH", "/api/storage/volumes/**", q(), "400 path"),
                new Case("PATCH", "/api/storage/volumes/vol*", q(), "400 path"),
                new Case("DELETE", "/api/storage/volumes/*/snapshots/*", q("volume.name", "*", "name", "*"), "400 path"),
                new Case("DELETE", "/api/storage/volumes/v1/snapshots/*", q(), "400 path"),
                new Case("POST", "/api/storage/volumes/v1/snapshots", q("volume.name", "*"), "403 query"),
                new Case("PATCH", "/api/storage/volumes/v1", q("name", "x"), "403 query"),
                // collection-level PATCH/DELETE: only where an entry names the collection, with its parameters
                new Case("DELETE", "/api/storage/volumes/v1/snapshots", q("name", "*"), "403 path"),
                new Case("PATCH", "/api/storage/volumes", q("name", "vol1"), "allowed"),
                new Case("PATCH", "/api/storage/volumes", q("name", "vol1", "svm.name", "svm1"), "allowed"),
                new Case("PATCH", "/api/storage/volumes", q("name", "vol*"), "400 query"),
                new Case("PATCH", "/api/storage/volumes", q("name", "!vol1"), "400 query"),
                new Case("PATCH", "/api/storage/volumes", q("name", "a|b"), "400 query"),
                new Case("PATCH", "/api/storage/volumes", q("name", "<z"), "400 query"),
                new Case("PATCH", "/api/storage/volumes", q("name", ">a"), "400 query"),
                new Case("PATCH", "/api/storage/volumes", q("name", "a..z"), "400 query"),
                new Case("PATCH", "/api/storage/volumes", q("uuid", "x"), "403 query"),
                new Case("PATCH", "/api/storage/volumes", q(), "403 query"), // no filter: every volume
                new Case("PATCH", "/api/storage/volumes", q("return_timeout", "10"), "403 query"),
                new Case("DELETE", "/api/storage/qtrees", q(), "403 query"),
                new Case("PATCH", "/api/storage/volumes", q("name", "vol1", "is_svm_root", "true"), "403 query"),
                new Case("DELETE", "/api/storage/qtrees", q("volume.name", "vol1", "name", "q*"), "allowed"),
                new Case("DELETE", "/api/storage/qtrees", q("volume.name", "vol*", "name", "q1"), "400 query"),
                // * is exactly one segment, ** one or more, never none
                new Case("PATCH", "/api/storage/volumes/v1/x", q(), "403 path"),
                new Case("POST", "/api/protocols/nfs/export-policies/7/rules", q(), "allowed"),
                new Case("POST", "/api/protocols/rules", q(), "403 path"),
                new Case("POST", "/api/protocols/nfs/*/rules", q(), "400 path"),
                // a literal '*' named by the operator
                new Case("PATCH", "/api/storage/luns/*", q("svm.name", "svm1"), "allowed"),
                new Case("PATCH", "/api/storage/luns/*", q("svm.name", "svm*"), "400 query"),
                new Case("PATCH", "/api/storage/luns/lun1", q(), "403 path"),
                // the method counts; return_timeout is a number of seconds
                new Case("DELETE", "/api/storage/volumes/v1", q(), "403 path"),
                new Case("POST", "/api/storage/volumes", q("return_timeout", "*"), "400 query"),
                new Case("POST", "/api/storage/volumes", q("return_timeout", "1|2"), "400 query"));
        for (Case c : cases) {
            assertThat(answer(LIST, c.method, c.path, c.query)).as(c.method + " " + c.path + " " + c.query).isEqualTo(c.expected);
        }
    }

    @Test
    void refusalsNameTheMethodPathAndAPlainParameterButNeverAValue() {
        String unnamed = LIST.check("PATCH", "/api/storage/volumes", q("uuid", "SECRET-VALUE")).orElseThrow().message();
        String forged = LIST.check("PATCH", "/api/storage/volumes", q("x\nINFO forged", "1")).orElseThrow().message();
        String operators = LIST.check("PATCH", "/api/storage/volumes", q("name", "vol*SECRET")).orElseThrow().message();
        String star = LIST.check("POST", "/api/storage/volumes/*/snapshots", q()).orElseThrow().message();

        assertThat(unnamed).startsWith("parameter uuid is not allowed with PATCH /api/storage/volumes")
                .contains("return_timeout, name, svm.name").doesNotContain("SECRET");
        assertThat(forged).startsWith("a query parameter is not allowed").doesNotContain("forged").doesNotContain("\n");
        assertThat(operators).startsWith("parameter name:").contains("name=*").doesNotContain("SECRET");
        assertThat(star).startsWith("POST /api/storage/volumes/*/snapshots: a path segment holding '*'");
    }

    @Test
    void operatorsAreAllowedOnlyForANameWrittenWithEqualsStar() {
        AllowList list = AllowList.parse("PATCH /api/storage/volumes ?name=*&svm.name", KEY);

        assertThat(answer(list, "PATCH", "/api/storage/volumes", q("name", "vol*", "svm.name", "svm1"))).isEqualTo("allowed");
        assertThat(answer(list, "PATCH", "/api/storage/volumes", q("name", "vol1", "svm.name", "svm*"))).isEqualTo("400 query");
        assertThat(list).hasToString("PATCH /api/storage/volumes ?name=*&svm.name");
    }

    @Test
    void eachEntryCoversItsOwnParametersOnly() {
        // two entries for one path: their parameters do not add up
        AllowList list = AllowList.parse("PATCH /api/storage/volumes ?name, PATCH /api/storage/volumes ?svm.name", KEY);

        assertThat(answer(list, "PATCH", "/api/storage/volumes", q("name", "v1"))).isEqualTo("allowed");
        assertThat(answer(list, "PATCH", "/api/storage/volumes", q("svm.name", "s1"))).isEqualTo("allowed");
        assertThat(answer(list, "PATCH", "/api/storage/volumes", q("name", "v1", "svm.name", "s1"))).isEqualTo("403 query");
    }

    @Test
    void anEntryThatMakesNoSenseIsRefusedAtStartNamingTheKeyAndTheEntry() {
        List<String> bad = List.of(
                "PATCH /api/storage/volumes/**", // would match the collection
                "DELETE /api/storage/**",
                "PATCH /api/*", // the key could be a collection's name
                "DELETE /api/**/*",
                "PATCH /api/*/*",
                "POST /api/storage/**/**",
                "POST /api/storage/vol*", // '*' inside a name: quote it
                "POST /api/storage/''",
                "POST /api/storage/'a/b'",
                "POST /api//volumes",
                "POST /api/storage/../cluster",
                "POST /api/storage/volumes ?",
                "POST /api/storage/volumes ?name&",
                "POST /api/storage/volumes ?name;x",
                "POST /api/storage/volumes ?name=vol1", // a value is not a name
                "POST /api/storage/volumes ?na me",
                "POST /api/storage/volumes ?return_timeout",
                "POST /api/storage/volumes extra",
                "GET /api/storage/volumes",
                "POST /storage/volumes",
                "POST");
        for (String entry : bad) {
            assertThatThrownBy(() -> AllowList.parse("POST /api/storage/volumes, " + entry, KEY)).as(entry)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(KEY + ": '" + entry + "'");
        }
    }

    @Test
    void entriesThatNameTheirPathOrKeyAreAccepted() {
        AllowList list = AllowList.parse("PATCH /api/storage/volumes/*/snapshots/*, DELETE /api/protocols/cifs/shares/*/*,"
                + " PATCH /api/cluster, DELETE /api/storage/volumes/* ?return_records, POST /api/storage/volumes?name", KEY);

        assertThat(list).hasToString("PATCH /api/storage/volumes/*/snapshots/*, DELETE /api/protocols/cifs/shares/*/*, PATCH /api/cluster,"
                + " DELETE /api/storage/volumes/* ?return_records, POST /api/storage/volumes ?name");
        assertThat(answer(list, "DELETE", "/api/protocols/cifs/shares/svm-uuid/share1", q())).isEqualTo("allowed");
        assertThat(answer(list, "DELETE", "/api/protocols/cifs/shares/svm-uuid", q())).isEqualTo("403 path");
        assertThat(answer(list, "PATCH", "/api/cluster", q())).isEqualTo("allowed");
        assertThat(AllowList.parse("", KEY).isEmpty()).isTrue();
        assertThat(answer(AllowList.NONE, "POST", "/api/storage/volumes", q())).isEqualTo("403 path");
    }
}
