package io.ontapjobs.api;

import io.ontapjobs.component.OntapComponent;
import java.io.ByteArrayInputStream;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/ems/push/{cluster}} (and {@code .../{cluster}/{token}} for ONTAP, which cannot send an
 * Authorization header: see {@link io.ontapjobs.security.TokenGate}): where an ONTAP {@code rest_api} EMS destination
 * posts its events. A push is a hint, never an event: it makes the cluster's EMS consumers poll at once (at most once
 * a second each, {@link OntapComponent#eventsHint}), so a lost or forged push changes nothing but when they poll.
 * The cluster is matched against the configured names as a plain string (unknown: 404); a body over
 * {@value #MAX_BODY_BYTES} bytes is 413; a body is XML read with DTDs and external entities off (a DOCTYPE: 400,
 * nothing fetched); 202 otherwise.
 */
public class EmsPushApi extends RouteBuilder {
    public static final String BASE = "/api/v1/ems/push";
    public static final int MAX_BODY_BYTES = 64 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(EmsPushApi.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @Override
    public void configure() {
        onException(Exception.class).handled(true).process(e -> {
            LOG.error("API: EMS push failed", e.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class));
            OperationsApi.json(e.getMessage(), 500, OperationsApi.error(null, "internal error (logged by the service)"));
        });
        rest(BASE)
                .post("/{cluster}").to("direct:ems-push")
                .post("/{cluster}/{token}").to("direct:ems-push-token");
        from("direct:ems-push").routeId("api-ems-push").process(this::push);
        from("direct:ems-push-token").routeId("api-ems-push-token").process(this::push); // the gate checked the token
    }

    private void push(Exchange e) {
        String cluster = e.getIn().getHeader("cluster", String.class);
        OntapComponent ontap = getContext().getComponent("ontap", OntapComponent.class);
        if (cluster == null || !ontap.clusterNames().contains(cluster)) {
            OperationsApi.json(e.getMessage(), 404, OperationsApi.error("cluster", "no such cluster"));
            return;
        }
        byte[] body = e.getIn().getBody(byte[].class);
        if (body != null && body.length > MAX_BODY_BYTES) {
            OperationsApi.json(e.getMessage(), 413, OperationsApi.error(null, "push body larger than " + MAX_BODY_BYTES + " bytes"));
            return;
        }
        if (body != null && body.length > 0) {
            String why = refusedXml(body);
            if (why != null) {
                LOG.warn("API: EMS push for cluster {} refused: {}", cluster, why);
                OperationsApi.json(e.getMessage(), 400, OperationsApi.error("body", why));
                return;
            }
        }
        int queued = ontap.eventsHint(cluster); // the polls run on the consumers' threads, not this one
        LOG.debug("API: EMS push for cluster {}: {} consumer poll(s) queued", cluster, queued);
        var answer = JSON.createObjectNode().put("cluster", cluster).put("polls_queued", queued);
        OperationsApi.json(e.getMessage(), 202, answer);
    }

    /** Null when {@code body} is well-formed XML without a DTD; else why not. No entity, DTD or schema is fetched. */
    static String refusedXml(byte[] body) {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setFeature("http://xml.org/sax/features/external-general-entities", false);
            f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            f.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            f.setXIncludeAware(false);
            f.setExpandEntityReferences(false);
            f.setNamespaceAware(true);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setEntityResolver((publicId, systemId) -> {
                throw new org.xml.sax.SAXException("external entities are refused");
            });
            b.setErrorHandler(new org.xml.sax.helpers.DefaultHandler()); // fatal errors throw; nothing printed
            b.parse(new ByteArrayInputStream(body));
            return null;
        } catch (org.xml.sax.SAXException e) {
            String m = String.valueOf(e.getMessage());
            return m.contains("DOCTYPE") ? "a DTD (DOCTYPE) is not accepted" : "not well-formed XML";
        } catch (Exception e) {
            return "not well-formed XML";
        }
    }
}
