import { loadAll } from 'js-yaml';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Environment } from '../src/config/environment';

/**
 * The Kubernetes manifests checked statically (no cluster here): what `kubectl apply -k` of the base and of
 * each overlay would create, and that names, labels, selectors and references line up between them.
 */
const K8S = join(__dirname, '..', 'deploy', 'k8s');
const PART_OF = 'video-job-service';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}
interface Kustomization {
  resources?: string[];
  patches?: Array<{ path?: string; patch?: string }>;
  namespace?: string;
}

const readDocs = (file: string) => (loadAll(readFileSync(file, 'utf8')) as (Manifest | null)[]).filter((d): d is Manifest => d !== null);

/** The resources a kustomization directory builds: its resource files, its bases' resources, and its patches. */
function build(dir: string): { resources: Manifest[]; patches: Manifest[]; kustomization: Kustomization } {
  const [kustomization] = loadAll(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization[];
  const resources: Manifest[] = [];
  for (const entry of kustomization.resources ?? []) {
    const path = resolve(dir, entry);
    if (!existsSync(path)) throw new Error(`${dir}: resource ${entry} does not exist`);
    if (statSync(path).isDirectory()) resources.push(...build(path).resources);
    else resources.push(...readDocs(path));
  }
  const patches = (kustomization.patches ?? []).flatMap((p) => {
    if (p.path) {
      if (!existsSync(join(dir, p.path))) throw new Error(`${dir}: patch ${p.path} does not exist`);
      return readDocs(join(dir, p.path));
    }
    return loadAll(p.patch ?? '') as Manifest[];
  });
  return { resources, patches, kustomization };
}

const id = (m: Manifest) => `${m.kind}/${m.metadata.name}`;
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);
const only = (all: Manifest[], kind: string) => all.filter((m) => m.kind === kind);
const known = new Set(Object.keys(new Environment()));

describe('deploy/k8s manifests', () => {
  const base = build(K8S);
  const keda = build(join(K8S, 'overlays', 'keda'));
  const s3 = build(join(K8S, 'overlays', 's3'));
  const deployments = only(base.resources, 'Deployment');

  test('every resource is named, labelled as part of the service, and unique', () => {
    expect(base.resources.length).toBeGreaterThanOrEqual(12);
    for (const m of [...base.resources, ...keda.resources]) {
      expect(m.apiVersion).toMatch(/\S/);
      expect(m.metadata.name).toMatch(/^[a-z0-9-]+$/);
      expect(m.metadata.labels?.['app.kubernetes.io/part-of']).toBe(PART_OF);
    }
    const ids = keda.resources.map(id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('deployments: selectors match their pod labels, the role matches the component, probes and scrape port are served', () => {
    expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['video-job-api', 'video-job-worker']);
    for (const d of deployments) {
      const podLabels = d.spec.template.metadata.labels as Record<string, string>;
      expect(matches(d.spec.selector.matchLabels, podLabels)).toBe(true);
      const [container] = d.spec.template.spec.containers;
      const role = container.env.find((e: { name: string }) => e.name === 'APP_ROLE').value;
      expect(role).toBe(podLabels['app.kubernetes.io/component']);
      const ports = container.ports.map((p: { containerPort: number }) => String(p.containerPort));
      expect(ports).toContain(d.spec.template.metadata.annotations['prometheus.io/port']);
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(container[probe].httpGet.path).toMatch(/^\/health\/(live|ready)$/);
      // Every ConfigMap, Secret and claim a pod refers to is one of the manifests.
      for (const ref of container.envFrom) {
        const [kind, name] = ref.configMapRef ? ['ConfigMap', ref.configMapRef.name] : ['Secret', ref.secretRef.name];
        expect(base.resources.map(id)).toContain(`${kind}/${name}`);
      }
      for (const v of d.spec.template.spec.volumes.filter((v: any) => v.persistentVolumeClaim)) {
        expect(base.resources.map(id)).toContain(`PersistentVolumeClaim/${v.persistentVolumeClaim.claimName}`);
      }
    }
  });

  test('the Service, PodDisruptionBudgets and autoscalers each select or target exactly one deployment', () => {
    const podsOf = (selector: Record<string, string>) => deployments.filter((d) => matches(selector, d.spec.template.metadata.labels));
    const [service] = only(base.resources, 'Service').filter((s) => s.metadata.name === 'video-job-api');
    expect(podsOf(service.spec.selector).map((d) => d.metadata.name)).toEqual(['video-job-api']);
    const pdbs = only(base.resources, 'PodDisruptionBudget');
    expect(pdbs.map((p) => podsOf(p.spec.selector.matchLabels).map((d) => d.metadata.name)).flat().sort()).toEqual(['video-job-api', 'video-job-worker']);

    // The API on CPU (HPA), the workers on queue depth (KEDA): one autoscaler per deployment in the KEDA build.
    const targets = [...only(keda.resources, 'HorizontalPodAutoscaler'), ...only(keda.resources, 'ScaledObject')].map((a) => a.spec.scaleTargetRef.name);
    expect(targets.sort()).toEqual(['video-job-api', 'video-job-worker']);
    const [hpa] = only(base.resources, 'HorizontalPodAutoscaler');
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    const [scaled] = only(keda.resources, 'ScaledObject');
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1); // workers also deliver webhooks and run retention
    expect(scaled.spec.triggers[0].type).toBe('prometheus');
    expect(scaled.spec.triggers[0].metadata.query).toContain('vgs_queue_jobs');
    // threshold = jobs one pod renders at once.
    expect(scaled.spec.triggers[0].metadata.threshold).toBe(base.resources.find((m) => m.kind === 'ConfigMap')?.data?.WORKER_CONCURRENCY);
  });

  test('every ConfigMap and Secret key is a variable the service reads', () => {
    const keys = [...only(base.resources, 'ConfigMap'), ...only(base.resources, 'Secret')].flatMap((m) => Object.keys({ ...m.data, ...m.stringData }));
    expect(keys.length).toBeGreaterThan(30);
    expect(keys.filter((k) => !known.has(k))).toEqual([]);
    expect(keys).toContain('JOB_RETENTION_DAYS');
  });

  test('the S3 overlay patches only what the base has, drops the shared volume and gives each pod a scratch disk', () => {
    expect(s3.kustomization.resources).toEqual(['../..']);
    const baseIds = s3.resources.map(id);
    for (const patch of s3.patches) expect(baseIds).toContain(id(patch));
    const deleted = s3.patches.filter((p) => (p as unknown as Record<string, string>).$patch === 'delete').map(id);
    expect(deleted).toEqual(['PersistentVolumeClaim/video-job-storage']);
    for (const name of ['video-job-api', 'video-job-worker']) {
      const patch = s3.patches.find((p) => id(p) === `Deployment/${name}`);
      const data = patch?.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'data');
      expect(data).toMatchObject({ persistentVolumeClaim: null, emptyDir: { sizeLimit: expect.any(String) } });
    }
    // The storage settings of the API contract ("Storage"), in the ConfigMap or the Secret.
    const settings = s3.patches.filter((p) => p.kind === 'ConfigMap' || p.kind === 'Secret').flatMap((p) => Object.keys({ ...p.data, ...p.stringData }));
    expect(settings.sort()).toEqual(
      ['DOWNLOAD_MODE', 'S3_ACCESS_KEY_ID', 'S3_BUCKET', 'S3_ENDPOINT', 'S3_FORCE_PATH_STYLE', 'S3_REGION', 'S3_SECRET_ACCESS_KEY', 'STORAGE_DRIVER'],
    );
  });

  test('every overlay in deploy/k8s/overlays is one of the builds checked here', () => {
    expect(readdirSync(join(K8S, 'overlays')).sort()).toEqual(['keda', 's3']);
  });
});
