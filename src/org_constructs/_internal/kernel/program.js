"use strict";
// Runs a program of aws-cdk-lib constructor and method calls, written by org_constructs'
// Python code, inside the jsii kernel: one round trip for many objects (alarms, metrics,
// widgets) instead of one per object. See org_constructs/_internal/kernel/__init__.py.
const cdk = require("aws-cdk-lib");
const constructs = require("constructs");

function member(path) {
  // "aws_cloudwatch.Alarm" -> the Alarm class of aws-cdk-lib's aws_cloudwatch module;
  // "constructs.Construct" -> the constructs library's Construct.
  const parts = path.split(".");
  let value = cdk;
  if (parts[0] === "constructs") {
    value = constructs;
    parts.shift();
  }
  for (const part of parts) {
    value = value[part];
    if (value === undefined) {
      throw new Error(`org-constructs kernel: aws-cdk-lib has no ${path}`);
    }
  }
  return value;
}

function cfnOf(target) {
  // The CloudFormation resource that is ``target`` or its default child; undefined if none.
  if (cdk.CfnResource.isCfnResource(target)) return target;
  const child = target.node.defaultChild;
  return cdk.CfnResource.isCfnResource(child) ? child : undefined;
}

// The constructs of org-constructs (``library``): the organisation defaults leave alone what
// is created inside them, and are not asked about it.
const LIBRARY = new WeakSet();
// The injectors ``defaults`` registered.
const DEFAULTS = new WeakSet();

function inLibrary(scope) {
  for (let at = scope; at !== undefined; at = at.node.scope) {
    if (LIBRARY.has(at)) return true;
  }
  return false;
}

// The few operations that are not one aws-cdk-lib call (the acknowledgements' writes).
const OPS = {
  // The context value ``key`` at ``target``; set to ``value`` first when the app leaves it
  // unset and ``target`` has no children yet (context cannot change under existing ones).
  pinUnset(target, key, value) {
    const current = target.node.tryGetContext(key);
    if (current !== undefined || target.node.children.length > 0) return current;
    target.node.setContext(key, value);
    return value;
  },
  // Mark a construct of the library (see ``defaults``).
  library(target) {
    LIBRARY.add(target);
  },
  // Register the organisation defaults' injectors on ``target``: for each pair of an
  // aws-cdk-lib class (its path) and the library's injector for it (a Python object), an
  // injector that hands the props to that one unless they are made inside a construct of the
  // library, which sets its own values (the Python injector would give them back unchanged);
  // and ``validation`` on ``target``. aws-cdk-lib keeps one injector per class and scope: when
  // ``target`` has another one for a class, nothing is registered and the classes' paths are
  // returned.
  defaults(target, pairs, validation) {
    const registered = cdk.PropertyInjectors.of(target);
    const taken = pairs
      .map(([path]) => path)
      .filter((path) => {
        const found = registered.for(member(path).PROPERTY_INJECTION_ID);
        return found !== undefined && !DEFAULTS.has(found);
      });
    if (taken.length > 0) return taken;
    const injectors = pairs.map(([path, injector]) => ({
      constructUniqueId: member(path).PROPERTY_INJECTION_ID,
      inject: (props, context) =>
        inLibrary(context.scope) ? props : injector.inject(props, context),
    }));
    for (const injector of injectors) DEFAULTS.add(injector);
    registered.add(...injectors);
    target.node.addValidation(validation);
    return [];
  },
  // The classes (by path) whose defaults' injector on ``target`` another has replaced since.
  defaultsReplaced(target, paths) {
    const registered = cdk.PropertyInjectors.of(target);
    return paths.filter(
      (path) => !DEFAULTS.has(registered.for(member(path).PROPERTY_INJECTION_ID)),
    );
  },
  // The nearest stack of a construct (itself or a scope), undefined outside any stack.
  stackOf(target) {
    return [...target.node.scopes].reverse().find((scope) => cdk.Stack.isStack(scope));
  },
  cfnOf,
  // Every CloudFormation resource at or under a construct (of one type, if given).
  cfnUnder(target, type) {
    return target.node
      .findAll()
      .filter((c) => cdk.CfnResource.isCfnResource(c) && (!type || c.cfnResourceType === type));
  },
  // Make ``policy`` (the library's ManagedPolicy of grants) stand in for ``principal`` in
  // aws-cdk-lib's grants: the principal's members, the statements added to the policy.
  standIn(policy, principal) {
    const add = (statement) => {
      policy.addStatements(statement);
      return { statementAdded: true, policyDependable: policy };
    };
    Object.defineProperties(policy, {
      grantPrincipal: { value: policy },
      assumeRoleAction: { get: () => principal.assumeRoleAction },
      policyFragment: { get: () => principal.policyFragment },
      principalAccount: { get: () => principal.principalAccount },
      addToPrincipalPolicy: { value: add },
      addToPolicy: { value: (statement) => add(statement).statementAdded },
    });
    return policy;
  },
  // Append ``entries`` to the list ``list`` of the metadata ``key`` of each resource, leaving
  // out an entry whose ``unique`` fields equal those of one already there.
  append(targets, key, list, entries, unique) {
    for (const target of Array.isArray(targets) ? targets : [targets]) {
      const resource = cfnOf(target);
      if (resource === undefined) {
        throw new Error(
          `org-constructs: ${target.node.path} must be or hold a CloudFormation resource`,
        );
      }
      const current = resource.getMetadata(key) || {};
      const held = [...(current[list] || [])];
      for (const entry of entries) {
        const same = (other) => unique.every((field) => other[field] === entry[field]);
        if (unique.length === 0 || !held.some(same)) held.push(entry);
      }
      resource.addMetadata(key, { ...current, [list]: held });
    }
  },
};

class Program {
  static run(refs, text) {
    const program = JSON.parse(text);
    const slots = [];
    const decode = (value) => {
      if (Array.isArray(value)) {
        return value.map(decode);
      }
      if (value === null || typeof value !== "object") {
        return value;
      }
      if ("$s" in value) return slots[value.$s];
      if ("$r" in value) return refs[value.$r];
      if ("$d" in value) return cdk.Duration.seconds(value.$d);
      if ("$e" in value) return member(value.$e);
      const out = {};
      for (const [key, item] of Object.entries(value)) {
        out[key] = decode(item);
      }
      return out;
    };
    for (const step of program.steps) {
      const args = decode(step.args || []);
      if (step.op !== undefined) {
        slots.push(OPS[step.op](decode(step.on), ...args));
      } else if (step.new !== undefined) {
        const Type = member(step.new);
        slots.push(new Type(...args));
      } else if (step.get !== undefined) {
        // A property; none of nothing (an imported function has no timeout).
        const target = decode(step.on);
        slots.push(target === undefined || target === null ? undefined : target[step.get]);
      } else {
        const target = decode(step.on);
        if ((target === undefined || target === null) && step.optional) {
          slots.push(undefined);
          continue;
        }
        const method = target[step.call];
        if (typeof method !== "function") {
          throw new Error(`org-constructs kernel: no method ${step.call}`);
        }
        slots.push(method.apply(target, args));
      }
    }
    return program.results.map((slot) => slots[slot]);
  }
}

exports.Program = Program;
