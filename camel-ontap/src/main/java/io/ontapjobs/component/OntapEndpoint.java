package io.ontapjobs.component;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;

/**
 * {@code ontap:cluster?method=POST&path=/api/storage/volumes} runs that operation with the message body as its JSON
 * body. Without {@code path}, the body is a whole request document ({@code {"id", "cluster", "method", "path",
 * "query", "body", "timeout", "policy"}}), so one endpoint serves every request of a file inbox or a queue.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "ontap", title = "ONTAP", syntax = "ontap:cluster",
        producerOnly = true, category = {Category.CLOUD}, headersClass = OntapConstants.class)
public class OntapEndpoint extends DefaultEndpoint {

    @UriPath(description = "The cluster's name, as in ontap.clusters.<name>.url", defaultValue = "default")
    @Metadata(required = true)
    private String cluster;
    @UriParam(enums = "POST,PATCH,DELETE,GET", description = "POST, PATCH or DELETE start a job and await it. GET reads: it follows"
            + " _links.next and returns all records as a List of Maps (for split), nothing tracked")
    private String method;
    @UriParam(defaultValue = "true", description = "false: only trigger, and return the job UUID(s) in the OntapJobUuid and"
            + " OntapJobUuids headers at once (nothing is tracked or stored)")
    private boolean awaitJob = true;
    @UriParam(description = "The ONTAP REST path, e.g. /api/storage/volumes. Without it the body is a request document.")
    private String path;
    @UriParam(prefix = "query.", multiValue = true, description = "Query parameters of the trigger, e.g. query.return_records=false")
    private Map<String, Object> query = new LinkedHashMap<>();
    @UriParam(enums = "cancel,pause,resume", description = "Instead of running an operation: cancel, pause or resume a job."
            + " The job is the running job of the operation named by the OntapOperationId header, or the job named by the OntapJobUuid header."
            + " The answer: headers OntapActionAccepted, OntapErrorCode, OntapErrorMessage (ONTAP's refusal, e.g. 458784)")
    private String action;
    @UriParam(defaultValue = "false", description = "Refuse a request document the cluster's allow list"
            + " (ontap.clusters.<name>.allow) does not cover, before it is stored or sent: for routes that run requests from"
            + " outside (files, queues); routes/service.yaml sets it. Only with a request document as the body (no path)")
    private boolean enforceAllowList;
    @UriParam(description = "The policy that decides retries, cancels and the timeout", defaultValue = "default")
    private String policy;
    @UriParam(description = "How long to wait for the job(s), e.g. 10m; defaults to the policy's timeout")
    private String timeout;
    @UriParam(description = "ONTAP's return_timeout for the trigger (0-120 s): the cluster answers with the finished job if it ends in time")
    private Integer returnTimeout;

    public OntapEndpoint(String uri, OntapComponent component) {
        super(uri, component);
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
    public Consumer createConsumer(Processor processor) {
        throw new UnsupportedOperationException("ontap: is a producer (to), not a consumer (from)");
    }

    public String getCluster() {
        return cluster;
    }

    public void setCluster(String cluster) {
        this.cluster = cluster;
    }

    public String getMethod() {
        return method;
    }

    public void setMethod(String method) {
        this.method = method;
    }

    public boolean isAwaitJob() {
        return awaitJob;
    }

    public void setAwaitJob(boolean awaitJob) {
        this.awaitJob = awaitJob;
    }

    public String getPath() {
        return path;
    }

    public void setPath(String path) {
        this.path = path;
    }

    public Map<String, Object> getQuery() {
        return query;
    }

    public void setQuery(Map<String, Object> query) {
        this.query = query;
    }

    public String getAction() {
        return action;
    }

    public void setAction(String action) {
        this.action = action;
    }

    public boolean isEnforceAllowList() {
        return enforceAllowList;
    }

    public void setEnforceAllowList(boolean enforceAllowList) {
        this.enforceAllowList = enforceAllowList;
    }

    public String getPolicy() {
        return policy;
    }

    public void setPolicy(String policy) {
        this.policy = policy;
    }

    public String getTimeout() {
        return timeout;
    }

    public void setTimeout(String timeout) {
        this.timeout = timeout;
    }

    public Integer getReturnTimeout() {
        return returnTimeout;
    }

    public void setReturnTimeout(Integer returnTimeout) {
        this.returnTimeout = returnTimeout;
    }
}
