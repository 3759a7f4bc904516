package io.ontapjobs.ha;

/**
 * One ONTAP cluster as this replica sees it: its phase, the epoch it claimed in the store, when the store last
 * confirmed that epoch and when the phase began (both in {@link io.ontapjobs.time.OntapClock#nanoTime()} terms), and
 * whether its polls are held for want of a recent confirmation (for one log line each way).
 */
record ClusterState(Phase phase, long epoch, long confirmed, long since, boolean held) {
    /** {@link #confirmed} of a cluster never confirmed: long ago. */
    static final long NEVER = Long.MIN_VALUE / 2;

    static ClusterState following(long now) {
        return new ClusterState(Phase.FOLLOWING, 0, NEVER, now, false);
    }

    /** The phase {@code event} leads to, since {@code now}. */
    ClusterState on(Event event, long now) {
        return new ClusterState(phase.next(event), epoch, confirmed, now, held);
    }

    ClusterState claimed(long epoch, long now) {
        return new ClusterState(phase.next(Event.CLAIMED), epoch, now, now, held);
    }

    ClusterState confirmed(long now) {
        return new ClusterState(phase, epoch, now, since, held);
    }

    ClusterState held(boolean held) {
        return new ClusterState(phase, epoch, confirmed, since, held);
    }

    /** What happens to a cluster, one step at a time. */
    enum Event {
        /** The cluster service makes this replica leader. */
        LED,
        /** The store recorded this replica's new epoch. */
        CLAIMED,
        /** The store names a newer owner. */
        SUPERSEDED,
        /** The cluster service says another replica leads, or none (or it stopped saying this one does). */
        LOST,
        /** Spreading gives the cluster to another replica. */
        HAND_OVER,
        /** The hand-over did not happen (triggers still in flight after a lease): owned as before. */
        KEPT,
        /** Handed over: out of its election. */
        LEFT,
        /** Back in its election once another replica leads it (or after a bound). */
        STOOD_AGAIN
    }

    enum Phase {
        /** Another replica leads the cluster's election, or none. */
        FOLLOWING,
        /** This replica leads the election; its epoch is not in the store yet (the store did not answer). */
        CLAIMING,
        /** Leads, and claimed the current epoch: triggers, polls and ends the cluster's operations. */
        OWNING,
        /** Owning, but giving the cluster up to spread them: takes no new work while its triggers are being sent. */
        HANDING_OVER,
        /** Still leads, but the store names a newer owner: does nothing until it leads anew. */
        FENCED_OUT,
        /** Out of its election on purpose (spreading), until another replica leads it. */
        GIVEN_UP;

        /** Whether the cluster service says this replica leads the cluster. */
        boolean leads() {
            return this == CLAIMING || this == OWNING || this == HANDING_OVER || this == FENCED_OUT;
        }

        /**
         * The transition: pure, one step.
         *
         * @throws IllegalStateException for an event that cannot happen in this phase
         */
        Phase next(Event event) {
            Phase next = switch (event) {
                case LED -> leads() ? null : CLAIMING;
                case CLAIMED -> this == CLAIMING ? OWNING : null;
                case SUPERSEDED -> this == OWNING || this == HANDING_OVER ? FENCED_OUT : null;
                case LOST -> leads() ? FOLLOWING : null;
                case HAND_OVER -> this == OWNING ? HANDING_OVER : null;
                case KEPT -> this == HANDING_OVER ? OWNING : null;
                case LEFT -> this == HANDING_OVER ? GIVEN_UP : null;
                case STOOD_AGAIN -> this == GIVEN_UP ? FOLLOWING : null;
            };
            if (next == null) {
                throw new IllegalStateException("no transition from " + this + " on " + event);
            }
            return next;
        }
    }
}
