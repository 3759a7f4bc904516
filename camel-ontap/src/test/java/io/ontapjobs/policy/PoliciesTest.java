package io.ontapjobs.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PoliciesTest {
    static final String EXAMPLE = """
            policies:
              default:
                poll: {initial: 500ms, max: 30s, multiplier: 2.0, jitter: 0.2}
                timeout: 1h
                on-timeout: cancel
                rules:
                  - when: {code: [1]}
                    then: succeed
                  - when: {code: [524486, 2621573, 13303812]}
                    then: retry
                    max-attempts: 3
                    backoff: 2s
                  - when: {message: "(?i).*temporarily locked.*"}
                    then: retry
                    max-attempts: 5
                    backoff: 30s
                  - when: {http-status: [400, 404]}
                    then: fail
                  - when: {code: [917927], message: "(?i).*already exists.*"}
                    then: succeed
            """;
    final Random random = new Random(3);

    private static Policy example() {
        return Policies.parse(EXAMPLE, "policies.yaml").get("default");
    }

    @Test
    void theShippedFileLoads() {
        Policies shipped = Policies.load(Path.of("../config/policies.yaml"));
        assertThat(shipped.names()).contains("default", "create-if-absent", "snapmirror");
        assertThat(shipped.get("snapmirror").timeout()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void parsesTheDocumentedShape() {
        Policy p = example();
        assertThat(p.poll()).isEqualTo(new PollSettings(Duration.ofMillis(500), Duration.ofSeconds(30), 2.0, 0.2));
        assertThat(p.timeout()).isEqualTo(Duration.ofHours(1));
        assertThat(p.onTimeout()).isEqualTo(OnTimeout.CANCEL);
        assertThat(p.rules()).hasSize(5);
        assertThat(p.rules().get(1).line()).isEqualTo(9);
    }

    @Test
    void firstMatchingRuleDecidesAndCodesMatchErrorCodeStrings() {
        Policy p = example();
        assertThat(p.decide(Observation.job("failure", 1L, "1", "duplicate entry", null), 1, random).action()).isEqualTo(Action.SUCCEED);
        assertThat(p.decide(Observation.job("failure", null, "524486", "busy", null), 1, random).action()).isEqualTo(Action.RETRY);
        assertThat(p.decide(Observation.trigger(404, "4", "entry doesn't exist"), 1, random).action()).isEqualTo(Action.FAIL);
        assertThat(p.decide(Observation.job("failure", 99L, "99", "other", null), 1, random).action()).isNull();
    }

    @Test
    void allConditionsOfAWhenMustHoldAndTheRegexMatchesTheWholeMessage() {
        Policy p = example();
        assertThat(p.decide(Observation.job("failure", 917927L, "917927", "Volume vol1 already exists", null), 1, random).action())
                .isEqualTo(Action.SUCCEED);
        assertThat(p.decide(Observation.job("failure", 917927L, "917927", "Volume busy", null), 1, random).action()).isNull();
        assertThat(p.decide(Observation.job("failure", 5L, "5", "Configuration TEMPORARILY LOCKED by job 12", null), 1, random).action())
                .isEqualTo(Action.RETRY);
    }

    @Test
    void retryGivesUpAfterMaxAttemptsAndItsBackoffDoubles() {
        Policy p = example();
        Observation busy = Observation.job("failure", 524486L, "524486", "busy", null);

        Decision first = p.decide(busy, 1, random);
        Decision second = p.decide(busy, 2, random);
        Decision third = p.decide(busy, 3, random);

        assertThat(first.delay()).isBetween(Duration.ofMillis(1600), Duration.ofMillis(2400));
        assertThat(second.delay()).isBetween(Duration.ofMillis(3200), Duration.ofMillis(4800));
        assertThat(first.reason()).contains("rule 2").contains("line 9").contains("attempt 2 of 3");
        assertThat(third.action()).isEqualTo(Action.FAIL);
        assertThat(third.reason()).startsWith("gave up after 3 attempts");
    }

    @Test
    void pollScheduleGrowsIsCappedAndStaysWithinItsJitter() {
        PollSettings poll = new PollSettings(Duration.ofMillis(500), Duration.ofSeconds(4), 2.0, 0.2);
        for (int i = 0; i < 1000; i++) {
            assertThat(poll.delayBefore(1, random)).isBetween(Duration.ofMillis(400), Duration.ofMillis(600));
            assertThat(poll.delayBefore(3, random)).isBetween(Duration.ofMillis(1600), Duration.ofMillis(2400));
            assertThat(poll.delayBefore(30, random)).isBetween(Duration.ofMillis(3200), Duration.ofMillis(4800));
        }
    }

    @Test
    void policiesWithoutPollUseTheConfiguredDefaultPolling() {
        PollSettings configured = new PollSettings(Duration.ofSeconds(1), Duration.ofMinutes(1), 1.5, 0.1);
        Policies p = Policies.parse("policies:\n  slow:\n    timeout: 2h\n    return-timeout: 15\n", "x.yaml", configured);
        assertThat(p.get("slow").poll()).isEqualTo(configured);
        assertThat(p.get("slow").returnTimeout()).isEqualTo(15);
        assertThat(p.get("default").poll()).isEqualTo(configured);
        assertError("policies:\n  default:\n    return-timeout: 300\n",
                "config/policies.yaml:3: 'return-timeout' in policy 'default' must be a whole number of seconds, 0-120");
    }

    @Test
    void defaultIsAddedWhenMissingAndUnknownNamesAreNamed() {
        Policies p = Policies.parse("policies:\n  slow:\n    timeout: 2h\n", "x.yaml");
        assertThat(p.get(null)).isEqualTo(Policies.BUILT_IN_DEFAULT);
        assertThatThrownBy(() -> p.get("fast")).isInstanceOf(PolicyException.class).hasMessage("unknown policy 'fast' (known: slow, default)");
    }

    private static void assertError(String yaml, String message) {
        assertThatThrownBy(() -> Policies.parse(yaml, "config/policies.yaml")).isInstanceOf(PolicyException.class).hasMessage(message);
    }

    @Test
    void mistakesNameTheFileTheLineAndTheKey() {
        assertError("policies:\n  default:\n    timeout: ten seconds\n",
                "config/policies.yaml:3: bad duration 'ten seconds' for 'timeout' in policy 'default' (use e.g. 500ms, 30s, 10m, 1h)");
        assertError("policies:\n  default:\n    rules:\n      - when: {code: [1]}\n        then: retyr\n",
                "config/policies.yaml:5: unknown action 'retyr' in rule 1 of policy 'default' (one of succeed, fail, retry, cancel)");
        assertError("policies:\n  default:\n    rules:\n      - when: {code: [1]}\n        then: retry\n        max-attempt: 3\n",
                "config/policies.yaml:6: unknown key 'max-attempt' in rule 1 of policy 'default' (known: backoff, max-attempts, then, when)");
        assertError("policies:\n  default:\n    tiemout: 1h\n",
                "config/policies.yaml:3: unknown key 'tiemout' in policy 'default' (known: on-timeout, poll, retry-unsafe, return-timeout, rules, timeout)");
        assertError("policies:\n  default:\n    on-timeout: kill\n",
                "config/policies.yaml:3: bad value 'kill' for 'on-timeout' in policy 'default' (one of cancel, abandon)");
        assertError("policies:\n  default:\n    rules:\n      - when: {message: \"(unclosed\"}\n        then: fail\n",
                "config/policies.yaml:4: bad regular expression for 'message' in 'when' of rule 1 of policy 'default' (Unclosed group)");
        assertError("policies:\n  default:\n    rules:\n      - when: {}\n        then: fail\n",
                "config/policies.yaml:4: empty 'when' of rule 1 of policy 'default' (give code, http-status or message)");
        assertError("policies:\n  default:\n    rules:\n      - when: {code: 1}\n        then: fail\n",
                "config/policies.yaml:4: 'code' in 'when' of rule 1 of policy 'default' must be a list, e.g. [524486, 2621573]");
        assertError("policies:\n  default:\n    rules:\n      - when: {code: [1]}\n        then: fail\n        backoff: 2s\n",
                "config/policies.yaml:6: 'backoff' only applies to 'then: retry' (rule 1 of policy 'default')");
        assertError("policies:\n  default:\n    poll: {initial: 1m, max: 30s}\n",
                "config/policies.yaml:3: 'initial' (1m) is longer than 'max' (30s) in 'poll' of policy 'default'");
        assertError("policies:\n  default:\n    poll: {jitter: 1.5}\n",
                "config/policies.yaml:3: 'jitter' in 'poll' of policy 'default' must be within 0..1");
        assertError("policies:\n  default: [\n", "config/policies.yaml:3: not valid YAML (expected the node content, but found '<stream end>')");
    }
}
