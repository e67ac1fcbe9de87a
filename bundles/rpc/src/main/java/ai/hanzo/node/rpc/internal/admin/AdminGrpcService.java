package ai.hanzo.node.rpc.internal.admin;

import ai.hanzo.node.api.InvalidArgumentException;
import ai.hanzo.node.api.store.StoreBackup;
import ai.hanzo.node.proto.v1.AdminServiceGrpc;
import ai.hanzo.node.proto.v1.BackupStoreRequest;
import ai.hanzo.node.proto.v1.BackupStoreResponse;
import ai.hanzo.node.rpc.internal.ErrorStatus;
import ai.hanzo.node.rpc.internal.GrpcService;
import io.grpc.stub.StreamObserver;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code hanzo.node.v1.AdminService} over the store's {@link StoreBackup}. Only the admin role may
 * call it (permission store/backup): the backup holds every deployment's environment values.
 */
@Component(service = GrpcService.class)
public final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase
        implements GrpcService {
    private final StoreBackup backup;

    /**
     * @param backup the store's backup service
     */
    @Activate
    public AdminGrpcService(@Reference StoreBackup backup) {
        this.backup = backup;
    }

    @Override
    public void backupStore(
            BackupStoreRequest request, StreamObserver<BackupStoreResponse> response) {
        try {
            if (request.getOutputDir().isBlank()) {
                throw new InvalidArgumentException("output_dir is required");
            }
            Path target;
            try {
                target = Path.of(request.getOutputDir());
            } catch (InvalidPathException e) {
                throw new InvalidArgumentException(
                        "output_dir is not a valid path: " + e.getMessage());
            }
            StoreBackup.BackupResult result = backup.backupTo(target);
            response.onNext(
                    BackupStoreResponse.newBuilder()
                            .setOutputDir(result.directory().toString())
                            .setFiles(result.files())
                            .setBytes(result.bytes())
                            .setDeployments(result.deployments())
                            .setPausedMillis(result.pausedMillis())
                            .build());
            response.onCompleted();
        } catch (RuntimeException e) {
            response.onError(ErrorStatus.of(e));
        }
    }
}
