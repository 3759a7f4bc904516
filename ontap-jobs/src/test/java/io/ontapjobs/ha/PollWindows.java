package io.ontapjobs.ha;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who polled one ONTAP cluster when, against who owned it: the check behind "no job is polled by two replicas outside a
 * takeover window". The owners come from the database ({@code cluster_owner}: each claim's replica, epoch and time);
 * the polls from the simulator's log, each named by the replica in its {@code User-Agent}; the disruptions (SIGKILL,
 * SIGSTOP, SIGCONT) from the test.
 *
 * <p>A takeover window opens when the owner was disrupted (or, for a handover nobody forced, {@code margin} before the
 * new claim) and closes {@code margin} after the new owner's claim; a paused owner that is continued gets
 * {@code continued} after its SIGCONT for the polls it had queued before the pause (it sends no new one: its ownership
 * is not confirmed). Outside the windows every poll must come from the
 * replica the database names owner at that moment, so that two replicas never poll the cluster at once there, and a
 * job's polls pass from one replica to another only across a window.
 */
final class PollWindows {
    /** One claim of the cluster, as the database recorded it. */
    record Claim(String replica, long epoch, Instant since) {
    }

    /** What the test did to a replica: KILL, STOP or CONT. */
    record Disruption(String kind, String replica, Instant at) {
    }

    /** A poll of the cluster's jobs endpoint by {@code replica}: the uuids it named (none: a query by end time). */
    record Poll(Instant at, String replica, List<String> uuids) {
    }

    record Window(Instant from, Instant to, String why) {
        boolean contains(Instant t) {
            return !t.isBefore(from) && !t.isAfter(to);
        }

        boolean overlaps(Instant a, Instant b) {
            return !b.isBefore(from) && !a.isAfter(to);
        }
    }

    private final List<Claim> claims;
    private final List<Poll> polls;
    private final List<Disruption> disruptions;
    private final List<Window> windows = new ArrayList<>();

    PollWindows(List<Claim> claims, List<Disruption> disruptions, List<Poll> polls, Duration margin, Duration continued) {
        this.claims = claims.stream().sorted(Comparator.comparingLong(Claim::epoch)).toList();
        this.polls = polls.stream().sorted(Comparator.comparing(Poll::at)).toList();
        this.disruptions = List.copyOf(disruptions);
        for (int i = 1; i < this.claims.size(); i++) {
            Claim before = this.claims.get(i - 1);
            Claim claim = this.claims.get(i);
            // the previous owner's disruption that this claim answers: the latest KILL or STOP of it before the claim
            Optional<Disruption> cause = disruptions.stream()
                    .filter(d -> !d.kind().equals("CONT") && d.replica().equals(before.replica()))
                    .filter(d -> d.at().isAfter(before.since()) && !d.at().isAfter(claim.since()))
                    .max(Comparator.comparing(Disruption::at));
            Instant from = cause.map(Disruption::at).orElse(claim.since().minus(margin));
            windows.add(new Window(from, claim.since().plus(margin), cause.map(d -> d.kind() + " of " + d.replica()).orElse("handover")
                    + " -> " + claim.replica() + " (epoch " + claim.epoch() + ")"));
        }
        for (Disruption d : disruptions) {
            if (d.kind().equals("CONT")) {
                windows.add(new Window(d.at(), d.at().plus(continued), "CONT of " + d.replica()));
            }
        }
    }

    List<Window> windows() {
        return List.copyOf(windows);
    }

    boolean inWindow(Instant t) {
        return windows.stream().anyMatch(w -> w.contains(t));
    }

    /** The owner the database names at {@code t}: that of the latest claim made by then. */
    Optional<String> ownerAt(Instant t) {
        String owner = null;
        for (Claim c : claims) {
            if (!c.since().isAfter(t)) {
                owner = c.replica();
            }
        }
        return Optional.ofNullable(owner);
    }

    /** Polls outside every window by a replica that was not the owner then (each described). */
    List<String> pollsByNonOwners() {
        List<String> wrong = new ArrayList<>();
        for (Poll p : polls) {
            if (!inWindow(p.at())) {
                Optional<String> owner = ownerAt(p.at());
                if (!owner.equals(Optional.of(p.replica()))) {
                    wrong.add(p.at() + " " + p.replica() + " polled " + p.uuids() + "; owner " + owner.orElse("none"));
                }
            }
        }
        return wrong;
    }

    /** Jobs whose polls passed from one replica to another outside every window: uuid → the two polls. */
    Map<String, String> jobsPolledByTwo() {
        Map<String, Poll> last = new LinkedHashMap<>();
        Map<String, String> wrong = new LinkedHashMap<>();
        for (Poll p : polls) {
            for (String uuid : p.uuids()) {
                Poll before = last.put(uuid, p);
                if (before != null && !before.replica().equals(p.replica())
                        && windows.stream().noneMatch(w -> w.overlaps(before.at(), p.at()))) {
                    wrong.putIfAbsent(uuid, before.replica() + " at " + before.at() + ", " + p.replica() + " at " + p.at());
                }
            }
        }
        return wrong;
    }

    /** The polls of {@code replica} in [from, to]. */
    List<Poll> pollsOf(String replica, Instant from, Instant to) {
        return polls.stream().filter(p -> p.replica().equals(replica) && !p.at().isBefore(from) && !p.at().isAfter(to)).toList();
    }

    /**
     * For each change of owner: how long the old owner's polls and the new owner's overlapped (the old one's last poll
     * after the new one's first; negative: a gap), in ms. A paused owner's polls after its SIGCONT are not counted here
     * ({@link #pollsOf} shows them).
     */
    Map<String, Long> handoverOverlaps() {
        Map<String, Long> overlaps = new LinkedHashMap<>();
        for (int i = 1; i < claims.size(); i++) {
            Claim before = claims.get(i - 1);
            Claim claim = claims.get(i);
            Instant until = disruptions.stream().filter(d -> d.kind().equals("CONT") && d.replica().equals(before.replica()))
                    .map(Disruption::at).filter(t -> t.isAfter(claim.since())).min(Comparator.naturalOrder())
                    .orElse(i + 1 < claims.size() ? claims.get(i + 1).since() : Instant.MAX);
            Optional<Instant> lastOld = polls.stream().filter(p -> p.replica().equals(before.replica()) && p.at().isBefore(until))
                    .filter(p -> !p.at().isBefore(before.since())).map(Poll::at).max(Comparator.naturalOrder());
            Optional<Instant> firstNew = polls.stream().filter(p -> p.replica().equals(claim.replica()) && !p.at().isBefore(claim.since()))
                    .map(Poll::at).min(Comparator.naturalOrder());
            if (lastOld.isPresent() && firstNew.isPresent()) {
                overlaps.put(before.replica() + " -> " + claim.replica() + " (epoch " + claim.epoch() + ")",
                        Duration.between(firstNew.get(), lastOld.get()).toMillis());
            }
        }
        return overlaps;
    }
}
