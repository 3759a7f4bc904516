package io.ontapjobs.component;

import io.ontapjobs.ontap.ClusterConfig;
import io.ontapjobs.operation.OperationRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;

/**
 * The options of an {@code ontap:} endpoint. The component holds one ({@code camel.component.ontap.*}); each endpoint
 * gets a copy, which its own options then change.
 */
@UriParams
public class OntapConfiguration implements Cloneable {

    // what to do

    @UriParam(label = "producer", defaultValue = "run", description = "What to do with each message: run (trigger, await"
            + " the job, apply the policy), trigger (only trigger; the job UUIDs come back at once), read (GET the path, every"
            + " page), cancel, pause or resume (a job: the running job of the operation in the CamelOntapOperationId header, or"
            + " the job in the CamelOntapJobUuid header). The CamelOntapOperation header chooses another one for a message.")
    private OntapOperation operation = OntapOperation.run;
    @UriParam(label = "producer", enums = "POST,PATCH,DELETE", description = "The method of the trigger for run and trigger."
            + " The CamelOntapMethod header can change it for a message.")
    private String method;
    @UriParam(label = "producer", description = "The ONTAP REST path, e.g. /api/storage/volumes; the message body is the JSON"
            + " body of the call. Without it, the body of run and trigger is a whole request document (id, cluster, method,"
            + " path, query, body, timeout, policy). The CamelOntapPath header can change it for a message.")
    private String path;
    @UriParam(label = "producer", prefix = "query.", multiValue = true, description = "Query parameters of the call, e.g."
            + " query.return_records=false or query.fields=name")
    private Map<String, Object> query = new LinkedHashMap<>();
    @UriParam(label = "producer", defaultValue = "default", description = "The policy that decides retries, cancels and the"
            + " timeout of run")
    private String policy;
    @UriParam(label = "producer", javaType = "java.time.Duration", description = "How long run waits for the job(s), e.g."
            + " 10m or 1h30m (a plain number is milliseconds). Unset or 0: the policy's timeout")
    private long timeout;
    @UriParam(label = "producer", description = "ONTAP's return_timeout for the trigger, 0 to 120 seconds: the cluster"
            + " answers with the finished job when it ends in that time")
    private Integer returnTimeout;
    @UriParam(label = "security", defaultValue = "false", description = "Send only what the cluster's allow list covers: a"
            + " run or trigger whose method, path and query match an entry, whether they come from the options, the CamelOntapMethod and"
            + " CamelOntapPath headers or a request document; a read or job control is refused, and so is a CamelOntapOperation header"
            + " naming one. For routes that take requests from outside (files, queues).")
    private boolean enforceAllowList;

    // consuming EMS events (from("ontap:cluster?events=..."))

    @UriParam(label = "consumer", description = "The EMS message names whose events the consumer takes, comma-separated;"
            + " an asterisk matches any characters (monitor.volume. and an asterisk: every volume event), an asterisk alone"
            + " every event. It makes"
            + " the endpoint a consumer (from): a poll every delay (default 60000 ms for this consumer) reads the cluster's"
            + " new events, the filter on ONTAP's side (message.name), split into several queries of one poll when the list"
            + " would make a request longer than 7 KiB")
    private String events;
    @UriParam(label = "consumer", description = "The severities of the events taken, comma-separated, e.g. emergency,alert,error"
            + " (ONTAP's message.severity filter; naming one, debug events are included when it matches). Unset: every"
            + " severity but debug")
    private String severities;
    @UriParam(label = "consumer", description = "An EMS filter of the cluster (filter.name, ONTAP 9.8 and later), e.g."
            + " important-events: only the events its rules let through")
    private String emsFilter;
    @UriParam(label = "consumer", defaultValue = "bookmark", description = "Where the consumer starts: bookmark (where this"
            + " route left off; on its very first start: now, so that the log's history is never acted on), now (on every"
            + " start: only what is logged from then on), or a duration such as 1h or 30m: on the very first start, the events"
            + " of that last stretch of the cluster's time too, then as bookmark")
    private String startFrom = "bookmark";
    @UriParam(label = "consumer", defaultValue = "500", description = "The page size of the consumer's requests (ONTAP's"
            + " max_records); a poll follows every page")
    private int maxRecords = 500;
    @UriParam(label = "consumer,advanced", defaultValue = "5m", javaType = "java.time.Duration", description = "How far each"
            + " poll reads back before the newest event it has seen (time>=), each record then compared with its node's"
            + " bookmark: events logged late, in the same second, or by a node whose clock is behind are still taken, once."
            + " Must exceed the clock difference between the cluster's nodes")
    private long eventOverlap = java.time.Duration.ofMinutes(5).toMillis();

    // the cluster: with url, the endpoint defines the cluster it names

    @UriParam(label = "common", description = "The cluster's address (scheme, host and port only), e.g."
            + " https://cluster1.example.com. Set on an endpoint, the endpoint defines the cluster its path names with these"
            + " connection options; set on the component, it defines the cluster named default. Unset, the cluster is one"
            + " the application defined as a ClusterConfig bean or with the component's addCluster.")
    private String url;
    @UriParam(label = "security", defaultValue = "admin", secret = true, description = "The user name for the cluster (basic"
            + " authentication)")
    private String username = "admin";
    @UriParam(label = "security", secret = true, description = "The password for the cluster")
    private String password;
    @UriParam(label = "security", defaultValue = "false", description = "Do not verify the cluster's TLS certificate. Whoever"
            + " sits between can then read the password and forge answers: for a lab only.")
    private boolean insecure;
    @UriParam(label = "security", description = "A trust store file (PKCS12 or JKS) holding the certificate that signed the"
            + " cluster's, when it is not one the JVM trusts")
    private String truststore;
    @UriParam(label = "security", secret = true, description = "The password of the trust store file")
    private String truststorePassword;
    @UriParam(label = "security", description = "What requests from outside may run on the cluster, for enforceAllowList: a"
            + " comma-separated list of entries, each a method, a path and optionally, after a question mark, the query"
            + " parameter names the request may send (joined by ampersands), covering method, path and query. In a path, a"
            + " segment of one asterisk matches exactly one segment, of two asterisks one or more; neither matches a segment"
            + " holding an asterisk (quote it to allow that literally). The query may also carry return_timeout; ONTAP's"
            + " query operators in a value only for a name followed by an equals sign and an asterisk. The grammar, with"
            + " examples: the project's docs/security.md. Unset: nothing.")
    private String allow;
    @UriParam(label = "advanced", defaultValue = "2", description = "REST calls in flight to the cluster at most (ONTAP limits"
            + " the sessions of a user)")
    private int maxConcurrentRequests = ClusterConfig.DEFAULT_MAX_CONCURRENT_REQUESTS;
    @UriParam(label = "advanced", defaultValue = "30s", javaType = "java.time.Duration", description = "The connect and response"
            + " timeout of one REST call")
    private long requestTimeout = ClusterConfig.DEFAULT_REQUEST_TIMEOUT.toMillis();
    @UriParam(label = "advanced", defaultValue = "30s", javaType = "java.time.Duration", description = "How long a trigger"
            + " that cannot reach the cluster at all (unknown host, connection refused) is retried before its operation ends"
            + " lost")
    private long unreachableAfter = ClusterConfig.DEFAULT_UNREACHABLE_AFTER.toMillis();

    public OntapConfiguration copy() {
        try {
            OntapConfiguration copy = (OntapConfiguration) clone();
            copy.query = new LinkedHashMap<>(query); // an endpoint's query.x must not land in the component's
            return copy;
        } catch (CloneNotSupportedException e) {
            throw new RuntimeCamelException(e);
        }
    }

    /**
     * Refuses option values no message could make right, when the endpoint is created.
     *
     * @throws IllegalArgumentException naming the option
     */
    void check() {
        if (timeout < 0 || timeout > OperationRequest.MAX_TIMEOUT.toMillis()) {
            throw new IllegalArgumentException("option timeout: must be from 1ms to 30d (or 0 for the policy's)");
        }
        if (returnTimeout != null && (returnTimeout < 0 || returnTimeout > 120)) {
            throw new IllegalArgumentException("option returnTimeout: must be from 0 to 120 (seconds)");
        }
        if (maxRecords < 1 || maxRecords > 10_000) {
            throw new IllegalArgumentException("option maxRecords: must be from 1 to 10000");
        }
        if (eventOverlap < 0) {
            throw new IllegalArgumentException("option eventOverlap: must not be negative");
        }
        startFromLookBack(); // refuses a word that is none of bookmark, now or a duration
    }

    public OntapOperation getOperation() {
        return operation;
    }

    public void setOperation(OntapOperation operation) {
        this.operation = operation;
    }

    public String getMethod() {
        return method;
    }

    public void setMethod(String method) {
        this.method = method;
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

    public String getPolicy() {
        return policy;
    }

    public void setPolicy(String policy) {
        this.policy = policy;
    }

    public long getTimeout() {
        return timeout;
    }

    public void setTimeout(long timeout) {
        this.timeout = timeout;
    }

    public Integer getReturnTimeout() {
        return returnTimeout;
    }

    public void setReturnTimeout(Integer returnTimeout) {
        this.returnTimeout = returnTimeout;
    }

    public boolean isEnforceAllowList() {
        return enforceAllowList;
    }

    public void setEnforceAllowList(boolean enforceAllowList) {
        this.enforceAllowList = enforceAllowList;
    }

    public String getUrl() {
        return url;
    }

    public void setUrl(String url) {
        this.url = url;
    }

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public boolean isInsecure() {
        return insecure;
    }

    public void setInsecure(boolean insecure) {
        this.insecure = insecure;
    }

    public String getTruststore() {
        return truststore;
    }

    public void setTruststore(String truststore) {
        this.truststore = truststore;
    }

    public String getTruststorePassword() {
        return truststorePassword;
    }

    public void setTruststorePassword(String truststorePassword) {
        this.truststorePassword = truststorePassword;
    }

    public String getAllow() {
        return allow;
    }

    public void setAllow(String allow) {
        this.allow = allow;
    }

    public int getMaxConcurrentRequests() {
        return maxConcurrentRequests;
    }

    public void setMaxConcurrentRequests(int maxConcurrentRequests) {
        this.maxConcurrentRequests = maxConcurrentRequests;
    }

    public long getRequestTimeout() {
        return requestTimeout;
    }

    public void setRequestTimeout(long requestTimeout) {
        this.requestTimeout = requestTimeout;
    }

    public long getUnreachableAfter() {
        return unreachableAfter;
    }

    public void setUnreachableAfter(long unreachableAfter) {
        this.unreachableAfter = unreachableAfter;
    }

    /**
     * The look-back of option startFrom: {@code null} for bookmark, {@link java.time.Duration#ZERO} for now (every
     * start), else the duration.
     */
    java.time.Duration startFromLookBack() {
        if (startFrom == null || startFrom.equals("bookmark")) {
            return null;
        }
        if (startFrom.equals("now")) {
            return java.time.Duration.ZERO;
        }
        try {
            java.time.Duration d = io.ontapjobs.policy.Durations.parse(startFrom);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("not positive");
            }
            return d;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("option startFrom: bookmark, now or a duration such as 1h (not '" + startFrom + "')");
        }
    }

    public String getEvents() {
        return events;
    }

    public void setEvents(String events) {
        this.events = events;
    }

    public String getSeverities() {
        return severities;
    }

    public void setSeverities(String severities) {
        this.severities = severities;
    }

    public String getEmsFilter() {
        return emsFilter;
    }

    public void setEmsFilter(String emsFilter) {
        this.emsFilter = emsFilter;
    }

    public String getStartFrom() {
        return startFrom;
    }

    public void setStartFrom(String startFrom) {
        this.startFrom = startFrom;
    }

    public int getMaxRecords() {
        return maxRecords;
    }

    public void setMaxRecords(int maxRecords) {
        this.maxRecords = maxRecords;
    }

    public long getEventOverlap() {
        return eventOverlap;
    }

    public void setEventOverlap(long eventOverlap) {
        this.eventOverlap = eventOverlap;
    }
}
