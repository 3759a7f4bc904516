package io.ontapjobs.simulator;

import java.time.Instant;
import java.util.List;

/**
 * One read of the jobs endpoint that the simulator answered: {@code GET /api/cluster/jobs/{uuid}} or
 * {@code GET /api/cluster/jobs} (see {@link OntapSimulator#jobPolls()}). It tells who polls which jobs when, e.g.
 * that several clients do not track the same job at once.
 *
 * @param at        when it came, by the simulator's clock
 * @param userAgent the request's {@code User-Agent} header, or null
 * @param uuids     the jobs it named: the one of {@code /api/cluster/jobs/{uuid}}, those of a {@code uuid=a|b}
 *                  query; empty for a query by other fields (e.g. {@code end_time=>T})
 */
public record JobPoll(Instant at, String userAgent, List<String> uuids) {
    public JobPoll {
        uuids = List.copyOf(uuids);
    }
}
