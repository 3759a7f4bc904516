package io.ontapjobs.component;

import org.apache.camel.AsyncEndpoint;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.ScheduledPollEndpoint;

/**
 * Run NetApp ONTAP REST operations to their end: trigger, await the job without holding a thread, and let a policy
 * decide; consume the cluster's EMS events (option events).
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "ontap", title = "ONTAP", syntax = "ontap:cluster",
        category = {Category.CLOUD, Category.MANAGEMENT}, headersClass = OntapConstants.class)
public class OntapEndpoint extends ScheduledPollEndpoint implements AsyncEndpoint {
    /** The EMS consumer's default delay between polls (Camel's polling default, 500 ms, is far too often for EMS). */
    static final long DEFAULT_EVENTS_DELAY = 60_000;


    @UriPath(label = "common", description = "The cluster's name: defined by the option url (with the other connection options) of this"
            + " endpoint (or of the component, for default), or by a ClusterConfig bean or the component's addCluster; an"
            + " endpoint with a path, or reading, refuses to start when its cluster is not defined", defaultValue = "default")
    @Metadata(required = true)
    private String cluster;
    @UriParam
    private OntapConfiguration configuration;

    public OntapEndpoint(String uri, OntapComponent component, OntapConfiguration configuration) {
        super(uri, component);
        this.configuration = configuration;
    }

    @Override
    public OntapComponent getComponent() {
        return (OntapComponent) super.getComponent();
    }

    @Override
    public Producer createProducer() {
        return new OntapProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        if (configuration.getEvents() == null || configuration.getEvents().isBlank()) {
            throw new IllegalArgumentException("option events: a from(\"ontap:" + cluster + "\") endpoint consumes EMS events and"
                    + " needs the option events (message names, comma-separated, * for every event)");
        }
        OntapEventConsumer consumer = new OntapEventConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public long getDefaultDelay() {
        return DEFAULT_EVENTS_DELAY;
    }

    /**
     * An endpoint that runs on its own named cluster (it names a {@code path}, or reads) finds that cluster when its
     * route starts, not at the first message: a misspelled name stops the route naming the cluster and how to define
     * it. {@code default} is the name routes use when the application may define it later (the ontap-jobs service's
     * in-process simulator) or not at all (its shipped routes, with clusters of other names): it is checked per
     * message, as are the clusters of request documents and job controls.
     */
    @Override
    protected void doStart() throws Exception {
        super.doStart();
        boolean ownCluster = !"default".equals(cluster)
                && (configuration.getPath() != null || configuration.getOperation() == OntapOperation.read);
        if (ownCluster && getComponent().configOrNull(cluster) == null) {
            java.util.Set<String> names = new java.util.TreeSet<>(getComponent().clusterNames());
            throw new IllegalArgumentException("ontap:" + cluster + ": unknown cluster '" + cluster + "' (configured: "
                    + (names.isEmpty() ? "none" : String.join(", ", names)) + "; " + OntapComponent.HOW_TO_DEFINE + ")");
        }
    }

    public String getCluster() {
        return cluster;
    }

    public void setCluster(String cluster) {
        this.cluster = cluster;
    }

    public OntapConfiguration getConfiguration() {
        return configuration;
    }

    public void setConfiguration(OntapConfiguration configuration) {
        this.configuration = configuration;
    }
}
