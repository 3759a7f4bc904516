package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;

import io.ontapjobs.ha.PollWindows.Claim;
import io.ontapjobs.ha.PollWindows.Disruption;
import io.ontapjobs.ha.PollWindows.Poll;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The check of HaProcessesIT's polls, on made-up histories: what passes, and what it catches. */
class PollWindowsTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    static final Duration MARGIN = Duration.ofSeconds(2);
    static final Duration CONTINUED = Duration.ofMillis(500);

    static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    static Poll poll(double seconds, String replica, String... uuids) {
        return new Poll(at(seconds), replica, List.of(uuids));
    }

    /** p1 owns from 0 s, is killed at 10 s, p2 claims at 14 s; p2 is stopped at 20 s, p3 claims at 24.5 s, p2 continued at 30 s. */
    static final List<Claim> CLAIMS = List.of(new Claim("p1", 1, at(0)), new Claim("p2", 2, at(14)), new Claim("p3", 3, at(24.5)));
    static final List<Disruption> DISRUPTIONS = List.of(new Disruption("KILL", "p1", at(10)), new Disruption("STOP", "p2", at(20)),
            new Disruption("CONT", "p2", at(30)));

    static List<Poll> history() {
        List<Poll> polls = new ArrayList<>();
        for (double t = 0.5; t < 10; t += 0.5) {
            polls.add(poll(t, "p1", "a", "b"));
        }
        for (double t = 14.1; t < 20; t += 0.5) {
            polls.add(poll(t, "p2", "a", "b"));
        }
        for (double t = 24.6; t < 40; t += 0.5) {
            polls.add(poll(t, "p3", "b"));
        }
        polls.add(poll(30.05, "p2", "b")); // the paused one, woken: polls it had queued before the pause
        polls.add(poll(30.3, "p2"));
        return polls;
    }

    @Test
    void oneOwnerPollingBetweenTakeoverWindowsPasses() {
        PollWindows w = new PollWindows(CLAIMS, DISRUPTIONS, history(), MARGIN, CONTINUED);

        assertThat(w.windows()).extracting(PollWindows.Window::from, PollWindows.Window::to)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(at(10), at(16)), org.assertj.core.groups.Tuple.tuple(at(20), at(26.5)),
                        org.assertj.core.groups.Tuple.tuple(at(30), at(30.5)));
        assertThat(w.pollsByNonOwners()).isEmpty();
        assertThat(w.jobsPolledByTwo()).isEmpty();
        assertThat(w.ownerAt(at(15))).contains("p2");
        assertThat(w.pollsOf("p2", at(30), at(40))).hasSize(2);
        assertThat(w.handoverOverlaps()).containsEntry("p1 -> p2 (epoch 2)", -4600L).containsEntry("p2 -> p3 (epoch 3)", -5000L);
    }

    @Test
    void aSecondReplicaPollingOutsideTheWindowsIsCaught() {
        List<Poll> polls = history();
        polls.add(poll(18, "p3", "a")); // p3 polls p2's job while p2 owns the cluster
        polls.add(poll(31, "p2", "b")); // the continued p2 still polls, 1 s after its SIGCONT

        PollWindows w = new PollWindows(CLAIMS, DISRUPTIONS, polls, MARGIN, CONTINUED);

        assertThat(w.pollsByNonOwners()).hasSize(2).anySatisfy(s -> assertThat(s).contains("p3 polled [a]; owner p2"))
                .anySatisfy(s -> assertThat(s).contains("p2 polled [b]; owner p3"));
        assertThat(w.jobsPolledByTwo()).containsOnlyKeys("a", "b");
    }

    @Test
    void aHandoverNobodyForcedHasAWindowAroundTheClaim() {
        List<Claim> claims = List.of(new Claim("p1", 1, at(0)), new Claim("p2", 2, at(10)));
        List<Poll> polls = List.of(poll(5, "p1", "a"), poll(9, "p1", "a"), poll(10.5, "p2", "a"), poll(11, "p1", "a"), poll(13, "p1", "a"));

        PollWindows w = new PollWindows(claims, List.of(), polls, MARGIN, CONTINUED);

        assertThat(w.windows()).singleElement().satisfies(win -> {
            assertThat(win.from()).isEqualTo(at(8));
            assertThat(win.to()).isEqualTo(at(12));
            assertThat(win.why()).startsWith("handover");
        });
        assertThat(w.pollsByNonOwners()).singleElement().satisfies(s -> assertThat(s).contains("p1 polled [a]; owner p2"));
        assertThat(w.jobsPolledByTwo()).isEmpty(); // p1 -> p2 -> p1 -> p1: each change touches the window
        assertThat(w.handoverOverlaps()).containsEntry("p1 -> p2 (epoch 2)", 2500L);
    }
}
