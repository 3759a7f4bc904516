package io.ontapjobs.examples;

import io.ontapjobs.component.OntapConstants;
import io.ontapjobs.intake.RegularFileReadLock;
import io.ontapjobs.intake.RequestFileCheck;
import io.ontapjobs.operation.InvalidRequestException;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteBuilder;

/**
 * The service flow of {@code routes/service.yaml}, in Java DSL, as the example for Java users: request files from
 * the inbox run through {@code ontap:} and each outcome is written to {@code <outcomes>/<id>.json}.
 * Reads {@code ontap.inbox.dir} and {@code ontap.outcomes.dir}. Not loaded by the service (the YAML route is).
 */
public class InboxToOutcomeRoute extends RouteBuilder {

    @Override
    public void configure() {
        onException(InvalidRequestException.class)
                .handled(true)
                .setProperty("inboxFolder", constant(".rejected"))
                .log(LoggingLevel.WARN, "Request file ${header.CamelFileName} rejected: ${exception.message}")
                .setBody(simple("${exception.message}\n"))
                .to("file:{{ontap.inbox.dir}}/.rejected?fileName=${header.CamelFileName}.reason.txt"
                        + "&chmod={{ontap.files.mode:0640}}&chmodDirectory=0750");

        from("file:{{ontap.inbox.dir}}?include=.*\\.json&move=${exchangeProperty.inboxFolder}/${file:name}"
                + "&moveFailed=.failed/${file:name}&exclusiveReadLockStrategy=#class:" + RegularFileReadLock.class.getName()
                + "&copyAndDeleteOnRenameFail=false")
                .routeId("inbox-to-outcome-java")
                .setProperty("inboxFolder", constant(".done"))
                .process(new RequestFileCheck()) // a regular file of at most 1 MiB, else refused unread
                .to("ontap:default")
                .to("file:{{ontap.outcomes.dir}}?fileName=${header." + OntapConstants.OPERATION_ID + "}.json"
                        + "&tempFileName=.${header." + OntapConstants.OPERATION_ID + "}.json.tmp&chmod={{ontap.files.mode:0640}}&chmodDirectory=0750")
                .log("Outcome ${header.CamelOntapOperationId}: ${header.CamelOntapStatus} (job ${header.CamelOntapJobUuid})");
    }
}
