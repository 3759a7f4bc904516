package io.ontapjobs.simulator;

/**
 * An EMS event the simulator has logged (see {@link OntapSimulator#emitEvent}): the node that numbered it and its
 * index on that node. Its record is {@code GET /api/support/ems/events/<nodeUuid>/<index>}.
 *
 * @param nodeName the node's name, e.g. {@code sim-01}
 * @param nodeUuid the node's uuid (a replaced node has a new one)
 * @param index    the event's number on that node: 1, 2, 3, … per node
 */
public record EmittedEvent(String nodeName, String nodeUuid, long index) {
}
