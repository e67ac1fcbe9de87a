package ai.hanzo.node.p2p.internal.pubsub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.hanzo.node.p2p.internal.identity.IdentityKey;
import ai.hanzo.node.p2p.internal.identity.PeerId;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class MessageIdsTest {
    @Test
    void specIdIsPeerIdPlusSeqnoAndJsFormIsTheKeyPlusSeqno() {
        IdentityKey author = IdentityKey.generate();
        PeerId id = author.peerId();
        byte[] seqno = ByteBuffer.allocate(8).putLong(0x0102030405060708L).array();
        byte[] spec = MessageIds.spec(id, seqno);
        // an Ed25519 peer id is the identity multihash (0x00, 36) of the protobuf key
        assertArrayEquals(new byte[] {0x00, 0x24}, Arrays.copyOf(spec, 2));
        byte[] js = MessageIds.authorKeyForm(author.publicKeyProtobuf(), seqno);
        assertArrayEquals(Arrays.copyOfRange(spec, 2, spec.length), js);
        assertTrue(MessageIds.isAuthorKeyForm(js));
        assertFalse(MessageIds.isAuthorKeyForm(spec));
        assertArrayEquals(spec, MessageIds.toSpec(js));
        assertArrayEquals(spec, MessageIds.toSpec(spec));
        assertNull(MessageIds.toSpec(new byte[8]));
        assertNull(MessageIds.toSpec(new byte[0]));
    }
}
