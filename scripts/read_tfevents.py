#!/usr/bin/env python3
"""Prints the records of TensorBoard event files as JSON lines, read by the real `tensorboard` package's
event reader (EventFileLoader checks the TFRecord framing and CRCs). Used by deepi2i's TensorBoard tests.
Usage: read_tfevents.py EVENT_FILE..."""
import json
import sys

from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader

for path in sys.argv[1:]:
    for event in LegacyEventFileLoader(path).Load():
        record = {"step": event.step, "wall_time": event.wall_time}
        if event.HasField("file_version"):
            record["file_version"] = event.file_version
        for value in event.summary.value:
            if value.HasField("simple_value"):
                record.setdefault("scalars", {})[value.tag] = value.simple_value
            elif value.HasField("image"):
                img = value.image
                record.setdefault("images", {})[value.tag] = {
                    "width": img.width, "height": img.height, "colorspace": img.colorspace,
                    "png": img.encoded_image_string[:8].hex()}
        print(json.dumps(record))
