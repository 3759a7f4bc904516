package io.ontapjobs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.security.ApiTokens;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenCommandTest {

    record Run(int code, String out, String err) {
    }

    static Run token(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "token";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = Main.execute(Map.<String, String>of()::get, new PrintWriter(out, true), new PrintWriter(err, true), all);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void printsANewTokenOnStderrAndOnlyItsHashAndRolesOnStdout() {
        Run first = token("ci-pipeline", "--roles", "submit,read");
        Run second = token("ci-pipeline", "--roles", "submit,read");

        assertThat(first.code()).isZero();
        String tokenValue = first.err().lines().skip(1).findFirst().orElseThrow();
        assertThat(tokenValue).hasSizeGreaterThan(40);
        assertThat(first.out()).isEqualTo("ontap.api.tokens.ci-pipeline.sha256 = " + ApiTokens.sha256Hex(tokenValue) + "\n"
                + "ontap.api.tokens.ci-pipeline.roles = submit,read\n");
        assertThat(first.out()).as("stdout can be appended to the configuration").doesNotContain(tokenValue);
        assertThat(second.err()).as("random each time").doesNotContain(tokenValue);
    }

    @Test
    void aPushOnlyTokenForOntapsEmsDestination() {
        Run push = token("ontap-c1", "--roles", "push");
        assertThat(push.code()).as(push.err()).isZero();
        assertThat(push.out()).endsWith("ontap.api.tokens.ontap-c1.roles = push\n");
    }

    @Test
    void aBadClientNameOrRoleIsOneLine() {
        Run name = token("CI Pipeline", "--roles", "read");
        Run role = token("ci", "--roles", "admin");

        assertThat(name.code()).isEqualTo(2);
        assertThat(name.err().strip()).startsWith("ontap-jobs: CLIENT:").doesNotContain("\n");
        assertThat(role.code()).isEqualTo(2);
        assertThat(role.err().strip()).isEqualTo("ontap-jobs: --roles: 'admin' is not a role (use any of submit, control, read, push)");
    }

    @Test
    void aClientCannotBeNamedAfterAnEntryPointWhoseIdsItWouldOwn() {
        for (String entryPoint : java.util.List.of("inbox", "queue")) {
            Run r = token(entryPoint, "--roles", "submit");
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err().strip()).isEqualTo("ontap-jobs: CLIENT: '" + entryPoint + "' is the name of an entry point; choose another client name");
            assertThat(r.out()).isEmpty();
            String key = "ontap.api.tokens." + entryPoint + ".";
            Map<String, String> config = Map.of(key + "sha256", ApiTokens.sha256Hex("t"), key + "roles", "submit");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ApiTokens.read(java.util.Set.of(entryPoint),
                            k -> java.util.Optional.ofNullable(config.get(k))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(key + "sha256: '" + entryPoint + "' is the name");
        }
    }
}
