/**
 * Typed builders of the default Karpenter v1 EC2NodeClass and NodePool (karpenter.k8s.aws/v1, karpenter.sh/v1).
 */

export type CapacityType = 'spot' | 'on-demand';
export type Architecture = 'amd64' | 'arm64';

/** Name of the default EC2NodeClass and NodePool. */
export const DEFAULT_NODE_POOL_NAME = 'default';

export interface Ec2NodeClassOptions {
  readonly name: string;
  /** Value of the `karpenter.sh/discovery` tag on the subnets and security groups nodes use. */
  readonly discoveryTagValue: string;
  readonly discoveryTagKey: string;
  /** Name of the IAM instance profile of the nodes. */
  readonly instanceProfile: string;
  /** AMI alias, e.g. `al2023@latest` or a pinned `al2023@v20261101`. */
  readonly amiAlias: string;
  readonly rootVolumeGi: number;
  /** IMDSv2 hop limit: 1 keeps pods (one hop further) away from the node's credentials. */
  readonly metadataHopLimit: 1 | 2;
  /** Tags Karpenter puts on the instances, volumes and launch templates it creates. */
  readonly tags: Readonly<Record<string, string>>;
}

export interface Ec2NodeClassManifest {
  readonly apiVersion: 'karpenter.k8s.aws/v1';
  readonly kind: 'EC2NodeClass';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly amiSelectorTerms: readonly { readonly alias: string }[];
    readonly instanceProfile: string;
    readonly subnetSelectorTerms: readonly { readonly tags: Record<string, string> }[];
    readonly securityGroupSelectorTerms: readonly { readonly tags: Record<string, string> }[];
    readonly metadataOptions: {
      readonly httpEndpoint: 'enabled';
      readonly httpProtocolIPv6: 'disabled';
      readonly httpPutResponseHopLimit: number;
      readonly httpTokens: 'required';
    };
    readonly blockDeviceMappings: readonly {
      readonly deviceName: string;
      readonly ebs: {
        readonly volumeSize: string;
        readonly volumeType: 'gp3';
        readonly encrypted: true;
        readonly deleteOnTermination: true;
      };
    }[];
    readonly tags: Record<string, string>;
  };
}

export function ec2NodeClassManifest(o: Ec2NodeClassOptions): Ec2NodeClassManifest {
  const discovery = { [o.discoveryTagKey]: o.discoveryTagValue };
  return {
    apiVersion: 'karpenter.k8s.aws/v1',
    kind: 'EC2NodeClass',
    metadata: { name: o.name },
    spec: {
      amiSelectorTerms: [{ alias: o.amiAlias }],
      instanceProfile: o.instanceProfile,
      subnetSelectorTerms: [{ tags: discovery }],
      securityGroupSelectorTerms: [{ tags: discovery }],
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpProtocolIPv6: 'disabled',
        httpPutResponseHopLimit: o.metadataHopLimit,
        httpTokens: 'required',
      },
      // AL2023 boots from /dev/xvda.
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: {
            volumeSize: `${o.rootVolumeGi}Gi`,
            volumeType: 'gp3',
            encrypted: true,
            deleteOnTermination: true,
          },
        },
      ],
      tags: { ...o.tags },
    },
  };
}

export interface NodePoolOptions {
  readonly name: string;
  readonly nodeClassName: string;
  readonly instanceCategories: readonly string[];
  readonly capacityTypes: readonly CapacityType[];
  readonly architectures: readonly Architecture[];
  /** Only instance generations above this one (e.g. 5 excludes m5 and older). */
  readonly minInstanceGenerationExclusive: number;
  readonly cpuLimit: number;
  readonly memoryLimitGi: number;
  /** How long a node may live before it is replaced (picks up new AMIs), e.g. `720h`. */
  readonly expireAfter: string;
  /** How long a node must be empty or underutilized before consolidation, e.g. `1m`. */
  readonly consolidateAfter: string;
  /** Share of nodes that voluntary disruption may take down at once, e.g. `10%`. */
  readonly disruptionBudgetNodes: string;
}

interface Requirement {
  readonly key: string;
  readonly operator: 'In' | 'Gt';
  readonly values: string[];
}

export interface NodePoolManifest {
  readonly apiVersion: 'karpenter.sh/v1';
  readonly kind: 'NodePool';
  readonly metadata: { readonly name: string };
  readonly spec: {
    readonly template: {
      readonly spec: {
        readonly nodeClassRef: {
          readonly group: 'karpenter.k8s.aws';
          readonly kind: 'EC2NodeClass';
          readonly name: string;
        };
        readonly requirements: readonly Requirement[];
        readonly expireAfter: string;
      };
    };
    readonly limits: { readonly cpu: string; readonly memory: string };
    readonly disruption: {
      readonly consolidationPolicy: 'WhenEmptyOrUnderutilized';
      readonly consolidateAfter: string;
      readonly budgets: readonly { readonly nodes: string }[];
    };
  };
}

export function nodePoolManifest(o: NodePoolOptions): NodePoolManifest {
  return {
    apiVersion: 'karpenter.sh/v1',
    kind: 'NodePool',
    metadata: { name: o.name },
    spec: {
      template: {
        spec: {
          nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: o.nodeClassName },
          requirements: [
            { key: 'karpenter.k8s.aws/instance-category', operator: 'In', values: [...o.instanceCategories] },
            {
              key: 'karpenter.k8s.aws/instance-generation',
              operator: 'Gt',
              values: [String(o.minInstanceGenerationExclusive)],
            },
            { key: 'karpenter.sh/capacity-type', operator: 'In', values: [...o.capacityTypes] },
            { key: 'kubernetes.io/arch', operator: 'In', values: [...o.architectures] },
            { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
          ],
          expireAfter: o.expireAfter,
        },
      },
      limits: { cpu: String(o.cpuLimit), memory: `${o.memoryLimitGi}Gi` },
      disruption: {
        consolidationPolicy: 'WhenEmptyOrUnderutilized',
        consolidateAfter: o.consolidateAfter,
        budgets: [{ nodes: o.disruptionBudgetNodes }],
      },
    },
  };
}
