package io.ontapjobs.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ontapjobs.ha.ClusterState.Event;
import io.ontapjobs.ha.ClusterState.Phase;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The transitions of a cluster's state, all of them: every other event in a phase is refused. */
class ClusterStateTest {
    static final Map<String, Phase> TRANSITIONS = Map.ofEntries(
            Map.entry("FOLLOWING LED", Phase.CLAIMING),
            Map.entry("GIVEN_UP LED", Phase.CLAIMING),
            Map.entry("GIVEN_UP STOOD_AGAIN", Phase.FOLLOWING),
            Map.entry("CLAIMING CLAIMED", Phase.OWNING),
            Map.entry("CLAIMING LOST", Phase.FOLLOWING),
            Map.entry("OWNING LOST", Phase.FOLLOWING),
            Map.entry("OWNING SUPERSEDED", Phase.FENCED_OUT),
            Map.entry("OWNING HAND_OVER", Phase.HANDING_OVER),
            Map.entry("HANDING_OVER LOST", Phase.FOLLOWING),
            Map.entry("HANDING_OVER SUPERSEDED", Phase.FENCED_OUT),
            Map.entry("HANDING_OVER KEPT", Phase.OWNING),
            Map.entry("HANDING_OVER LEFT", Phase.GIVEN_UP),
            Map.entry("FENCED_OUT LOST", Phase.FOLLOWING));

    @Test
    void eachPhaseTakesOnlyItsEvents() {
        for (Phase phase : Phase.values()) {
            for (Event event : Event.values()) {
                Phase expected = TRANSITIONS.get(phase + " " + event);
                if (expected != null) {
                    assertThat(phase.next(event)).as(phase + " on " + event).isEqualTo(expected);
                } else {
                    assertThatThrownBy(() -> phase.next(event)).as(phase + " on " + event).isInstanceOf(IllegalStateException.class);
                }
            }
        }
    }

    @Test
    void theLeadingPhasesAreThoseTheClusterServiceMadeThisReplicaLeaderIn() {
        assertThat(java.util.Arrays.stream(Phase.values()).filter(Phase::leads))
                .containsExactly(Phase.CLAIMING, Phase.OWNING, Phase.HANDING_OVER, Phase.FENCED_OUT);
    }

    @Test
    void aClaimRecordsTheEpochAndConfirmsIt() {
        ClusterState claimed = ClusterState.following(0).on(Event.LED, 10).claimed(7, 20);
        assertThat(claimed).isEqualTo(new ClusterState(Phase.OWNING, 7, 20, 20, false));
        assertThat(claimed.held(true).confirmed(30)).isEqualTo(new ClusterState(Phase.OWNING, 7, 30, 20, true));
    }
}
