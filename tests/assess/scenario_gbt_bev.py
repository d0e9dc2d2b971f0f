# ruff: noqa: E501  (one fact or source a line, as in a bundle file)
"""The end-to-end scenario's inputs: a LHD BEV with GB/T connectors, made in China by BYD,
and the facts of DE (with the EU), GB, TH, AU, BR and US written here with their legal basis.

Exchange rates are round figures near the 2025-26 reference rates (units per USD), chosen so
the hand arithmetic in test_scenarios.py stays readable.
"""

from __future__ import annotations

from typing import Any

import yaml

MODEL: dict[str, Any] = {
    "id": "aa-gbt-sedan",
    "name": "AA GB/T Sedan",
    "maker": "BYD",
    "origin": "CN",
    "powertrain": "BEV",
    "body_type": "sedan",
    "seats": 5,
    "battery_kwh": 60.5,
    "battery_chemistry": "LFP",
    "range_km": 500,
    "range_cycle": "CLTC",
    "dc_connectors": ["GB/T"],
    "ac_connectors": ["GB/T"],
    "dc_power_kw": 110,
    "ac_power_kw": 7,
    "charger_voltage_min_v": 90,
    "charger_voltage_max_v": 264,
    "steering": "LHD",
    "length_mm": 4700,
    "width_mm": 1880,
    "height_mm": 1500,
    "kerb_mass_kg": 1800,
    "ground_clearance_mm": 140,
    "operating_temp_min_c": -30,
    "operating_temp_max_c": 55,
    "battery_thermal_management": "liquid",
    "certifications": ["CCC", "GB", "UN-R100"],
    "connected_services": True,
    "data_processed_in": ["CN"],
    "documentation_languages": ["en", "zh"],
    "price": {"amount": "20000", "currency": "USD"},
    "price_basis": "CIF",
}

FACTS = yaml.safe_load(
    """
sources:
  - {id: eu-cet, kind: regulation, title: "Council Regulation (EEC) No 2658/87, Annex I (Combined Nomenclature), CN 8703 80 10", publisher: Council of the EU, url: "https://eur-lex.europa.eu/eli/reg/1987/2658/oj"}
  - {id: eu-cvd, kind: regulation, title: "Commission Implementing Regulation (EU) 2024/2754 (definitive countervailing duty on BEVs from China)", publisher: European Commission, url: "https://eur-lex.europa.eu/eli/reg_impl/2024/2754/oj", published: 2024-10-29}
  - {id: eu-afir, kind: regulation, title: "Regulation (EU) 2023/1804 (AFIR), Annex II: Type 2 and Combo 2", publisher: European Parliament and Council, url: "https://eur-lex.europa.eu/eli/reg/2023/1804/oj"}
  - {id: eu-2018-858, kind: regulation, title: "Regulation (EU) 2018/858 on the approval of motor vehicles", publisher: European Parliament and Council, url: "https://eur-lex.europa.eu/eli/reg/2018/858/oj"}
  - {id: eu-gsr, kind: regulation, title: "Regulation (EU) 2019/2144 (General Safety Regulation), UN R155 for all new vehicles", publisher: European Parliament and Council, url: "https://eur-lex.europa.eu/eli/reg/2019/2144/oj"}
  - {id: de-ustg, kind: law, title: "Umsatzsteuergesetz (UStG) § 12(1): 19 %", publisher: Bundesministerium der Justiz, url: "https://www.gesetze-im-internet.de/ustg_1980/__12.html"}
  - {id: de-kraftstg, kind: law, title: "Kraftfahrzeugsteuergesetz: an annual ownership tax, no excise at registration", publisher: Bundesministerium der Justiz, url: "https://www.gesetze-im-internet.de/kraftstg/"}
  - {id: ecb-rates, kind: official_statistics, title: "ECB, BoE, BoT, RBA, BCB reference rates (rounded)", publisher: Central banks, url: "https://www.ecb.europa.eu/stats/exchange/eurofxref/"}
  - {id: iec-60038, kind: standard, title: "IEC 60038 standard voltages; national grid codes", publisher: IEC, url: "https://webstore.iec.ch/publication/153"}
  - {id: roads-vienna, kind: law, title: "Vienna Convention on Road Traffic 1968 and national road traffic laws", publisher: UNECE, url: "https://unece.org/transport/road-traffic-and-road-signs-and-signals-agreements-and-conventions"}
  - {id: ukgt, kind: regulation, title: "UK Global Tariff, commodity 8703 80 10 00: 10 %", publisher: HM Government, url: "https://www.trade-tariff.service.gov.uk/commodities/8703801000"}
  - {id: uk-vata, kind: law, title: "Value Added Tax Act 1994, s. 2: 20 %", publisher: legislation.gov.uk, url: "https://www.legislation.gov.uk/ukpga/1994/23/section/2"}
  - {id: uk-ivas, kind: regulation, title: "DVSA Individual Vehicle Approval: LHD cars registrable with headlamp and speedometer changes", publisher: DVSA, url: "https://www.gov.uk/vehicle-approval/individual-vehicle-approval"}
  - {id: th-tariff, kind: law, title: "Customs Tariff Decree B.E. 2560, heading 87.03: 80 %", publisher: Thai Customs Department, url: "https://www.customs.go.th/"}
  - {id: acfta, kind: law, title: "ASEAN-China Agreement on Trade in Goods (2004), Form E: 0 % for BEVs", publisher: ASEAN Secretariat, url: "https://asean.org/"}
  - {id: th-excise, kind: regulation, title: "Ministerial Regulation on excise rates (Excise Tariff Act B.E. 2560): BEV 8 %", publisher: Excise Department, url: "https://www.excise.go.th/"}
  - {id: th-vat, kind: regulation, title: "Royal Decree (No. 791) reducing VAT to 7 %", publisher: Revenue Department, url: "https://www.rd.go.th/"}
  - {id: th-dlt, kind: regulation, title: "Department of Land Transport: LHD passenger cars are not registered for private use", publisher: Department of Land Transport, url: "https://www.dlt.go.th/"}
  - {id: th-tisi, kind: standard, title: "TIS 2749-2559 / TISI adoption of IEC 62196 Type 2 and CCS2", publisher: TISI, url: "https://www.tisi.go.th/"}
  - {id: au-tariff, kind: law, title: "Customs Tariff Act 1995, Schedule 3, 8703.80.00: 5 %", publisher: Australian Border Force, url: "https://www.abf.gov.au/importing-exporting-and-manufacturing/tariff-classification/current-tariff"}
  - {id: chafta, kind: law, title: "China-Australia Free Trade Agreement (in force 20 December 2015): 0 % for passenger cars", publisher: DFAT, url: "https://www.dfat.gov.au/trade/agreements/in-force/chafta"}
  - {id: au-gst, kind: law, title: "A New Tax System (Goods and Services Tax) Act 1999, s. 9-70: 10 %", publisher: Federal Register of Legislation, url: "https://www.legislation.gov.au/C2004A00446/latest"}
  - {id: au-rvsa, kind: law, title: "Road Vehicle Standards Act 2018: ADR compliance; LHD only under concessional approval", publisher: DITRDCA, url: "https://www.infrastructure.gov.au/infrastructure-transport-vehicles/vehicles/rvs"}
  - {id: br-gecex, kind: regulation, title: "GECEX Resolution No. 512/2023: BEV import duty 10 % (2024-01), 18 % (2024-07), 25 % (2025-07), 35 % (2026-07)", publisher: CAMEX, url: "https://www.gov.br/mdic/pt-br/assuntos/camex"}
  - {id: us-hts, kind: regulation, title: "Harmonized Tariff Schedule of the US, 8703.80.00: 2.5 %", publisher: USITC, url: "https://hts.usitc.gov/"}
  - {id: us-301, kind: regulation, title: "USTR Section 301 four-year review: 100 % on Chinese EVs from 27 September 2024 (89 FR 76581)", publisher: USTR, url: "https://www.federalregister.gov/d/2024-21217", published: 2024-09-18}
  - {id: us-bis-cv, kind: regulation, title: "BIS final rule, 15 CFR 791 Subpart D (connected vehicles): VCS and ADS software from China or Russia prohibited", publisher: Bureau of Industry and Security, url: "https://www.federalregister.gov/d/2025-00592", published: 2025-01-16}
  - {id: us-fmvss, kind: regulation, title: "49 CFR Part 571: Federal Motor Vehicle Safety Standards, self-certification", publisher: NHTSA, url: "https://www.ecfr.gov/current/title-49/subtitle-B/chapter-V/part-571"}
  - {id: sae-j1772, kind: standard, title: "SAE J1772 (CCS1) and SAE J3400 (NACS)", publisher: SAE International, url: "https://www.sae.org/standards/content/j3400/"}
  - {id: no-fta, kind: expert_judgement, title: "No free-trade agreement with China in force (WTO RTA database)", publisher: WTO, url: "https://rtais.wto.org/"}
facts:
  # EU level: inherited by DE ("via EU").
  - {market: EU, property: trade.import_duty.passenger_bev, value: 10, unit: percent, sources: [eu-cet]}
  - {market: EU, property: trade.additional_duty.passenger_bev, value: 17.0, unit: percent, qualifiers: {origin: CN, maker: BYD}, valid_from: 2024-10-30, sources: [eu-cvd]}
  - {market: EU, property: trade.additional_duty.passenger_bev, value: 35.3, unit: percent, qualifiers: {origin: CN}, valid_from: 2024-10-30, sources: [eu-cvd]}
  - {market: EU, property: trade.additional_duty.passenger_bev, value: 0, unit: percent, sources: [eu-cet]}
  - {market: EU, property: trade.fta_china.in_force, value: false, sources: [no-fta]}
  - {market: EU, property: charging.dc_connector, value: [CCS2], sources: [eu-afir]}
  - {market: EU, property: charging.ac_connector, value: [Type2], sources: [eu-afir]}
  - {market: EU, property: regulation.type_approval.regime, value: EU-WVTA, sources: [eu-2018-858]}
  - {market: EU, property: regulation.un_r155.mandatory_from, value: 2024-07-07, sources: [eu-gsr]}
  - {market: DE, property: trade.currency, value: EUR, sources: [ecb-rates]}
  - {market: DE, property: trade.exchange_rate.usd, value: 0.86, sources: [ecb-rates]}
  - {market: DE, property: trade.vat.rate, value: 19, unit: percent, sources: [de-ustg]}
  - {market: DE, property: trade.excise.passenger_rate, value: 0, unit: percent, sources: [de-kraftstg]}
  - {market: DE, property: roads.driving_side, value: right, sources: [roads-vienna]}
  - {market: DE, property: charging.mains_voltage, value: 230, unit: V, sources: [iec-60038]}
  # United Kingdom
  - {market: GB, property: trade.currency, value: GBP, sources: [ecb-rates]}
  - {market: GB, property: trade.exchange_rate.usd, value: 0.75, sources: [ecb-rates]}
  - {market: GB, property: trade.import_duty.passenger_bev, value: 10, unit: percent, sources: [ukgt]}
  - {market: GB, property: trade.additional_duty.passenger_bev, value: 0, unit: percent, sources: [ukgt]}
  - {market: GB, property: trade.fta_china.in_force, value: false, sources: [no-fta]}
  - {market: GB, property: trade.excise.passenger_rate, value: 0, unit: percent, sources: [ukgt]}
  - {market: GB, property: trade.vat.rate, value: 20, unit: percent, sources: [uk-vata]}
  - {market: GB, property: roads.driving_side, value: left, sources: [roads-vienna]}
  - {market: GB, property: regulation.lhd_registration, value: allowed, sources: [uk-ivas]}
  - {market: GB, property: charging.dc_connector, value: [CCS2], sources: [eu-afir]}
  - {market: GB, property: charging.ac_connector, value: [Type2], sources: [eu-afir]}
  - {market: GB, property: charging.mains_voltage, value: 230, unit: V, sources: [iec-60038]}
  - {market: GB, property: regulation.type_approval.regime, value: UNECE, sources: [uk-ivas]}
  # Thailand
  - {market: TH, property: trade.currency, value: THB, sources: [ecb-rates]}
  - {market: TH, property: trade.exchange_rate.usd, value: 32.5, sources: [ecb-rates]}
  - {market: TH, property: trade.import_duty.passenger_bev, value: 80, unit: percent, sources: [th-tariff]}
  - {market: TH, property: trade.fta_china.in_force, value: true, valid_from: 2005-01-01, sources: [acfta]}
  - {market: TH, property: trade.fta_china.agreement, value: ACFTA, sources: [acfta]}
  - {market: TH, property: trade.fta_china.duty.passenger_bev, value: 0, unit: percent, sources: [acfta]}
  - {market: TH, property: trade.excise.passenger_rate, value: 8, unit: percent, qualifiers: {powertrain: BEV}, sources: [th-excise]}
  - {market: TH, property: trade.vat.rate, value: 7, unit: percent, sources: [th-vat]}
  - {market: TH, property: roads.driving_side, value: left, sources: [roads-vienna]}
  - {market: TH, property: regulation.lhd_registration, value: banned, sources: [th-dlt]}
  - {market: TH, property: charging.dc_connector, value: [CCS2, CHAdeMO], sources: [th-tisi]}
  - {market: TH, property: charging.ac_connector, value: [Type2], sources: [th-tisi]}
  - {market: TH, property: charging.mains_voltage, value: 220, unit: V, sources: [iec-60038]}
  # Australia (no excise fact written: that line stays unknown)
  - {market: AU, property: trade.currency, value: AUD, sources: [ecb-rates]}
  - {market: AU, property: trade.exchange_rate.usd, value: 1.53, sources: [ecb-rates]}
  - {market: AU, property: trade.import_duty.passenger_bev, value: 5, unit: percent, sources: [au-tariff]}
  - {market: AU, property: trade.fta_china.in_force, value: true, valid_from: 2015-12-20, sources: [chafta]}
  - {market: AU, property: trade.fta_china.duty.passenger_bev, value: 0, unit: percent, sources: [chafta]}
  - {market: AU, property: trade.vat.rate, value: 10, unit: percent, sources: [au-gst]}
  - {market: AU, property: roads.driving_side, value: left, sources: [roads-vienna]}
  - {market: AU, property: regulation.lhd_registration, value: restricted, sources: [au-rvsa]}
  - {market: AU, property: regulation.type_approval.regime, value: ADR, sources: [au-rvsa]}
  - {market: AU, property: charging.dc_connector, value: [CCS2], sources: [au-rvsa]}
  - {market: AU, property: charging.ac_connector, value: [Type2], sources: [au-rvsa]}
  # Brazil: the BEV duty steps up on 1 July 2026 (no IPI/PIS/COFINS/ICMS facts written)
  - {market: BR, property: trade.currency, value: BRL, sources: [ecb-rates]}
  - {market: BR, property: trade.exchange_rate.usd, value: 5.40, sources: [ecb-rates]}
  - {market: BR, property: trade.import_duty.passenger_bev, value: 25, unit: percent, valid_from: 2025-07-01, valid_to: 2026-07-01, sources: [br-gecex]}
  - {market: BR, property: trade.import_duty.passenger_bev, value: 35, unit: percent, valid_from: 2026-07-01, sources: [br-gecex]}
  - {market: BR, property: trade.fta_china.in_force, value: false, sources: [no-fta]}
  - {market: BR, property: roads.driving_side, value: right, sources: [roads-vienna]}
  - {market: BR, property: charging.dc_connector, value: [CCS2], sources: [br-gecex]}
  - {market: BR, property: charging.ac_connector, value: [Type2], sources: [br-gecex]}
  # United States (no federal VAT or excise on cars: those lines stay unknown)
  - {market: US, property: trade.currency, value: USD, sources: [us-hts]}
  - {market: US, property: trade.import_duty.passenger_bev, value: 2.5, unit: percent, sources: [us-hts]}
  - {market: US, property: trade.additional_duty.passenger_bev, value: 100, unit: percent, qualifiers: {origin: CN}, valid_from: 2024-09-27, sources: [us-301]}
  - {market: US, property: trade.fta_china.in_force, value: false, sources: [no-fta]}
  - {market: US, property: regulation.connected_vehicle.origin_restriction, value: "VCS and ADS software from China prohibited from model year 2027", qualifiers: {origin: CN}, valid_from: 2025-03-17, sources: [us-bis-cv]}
  - {market: US, property: regulation.type_approval.regime, value: FMVSS, sources: [us-fmvss]}
  - {market: US, property: roads.driving_side, value: right, sources: [roads-vienna]}
  - {market: US, property: charging.dc_connector, value: [CCS1, NACS], sources: [sae-j1772]}
  - {market: US, property: charging.ac_connector, value: [Type1, NACS], sources: [sae-j1772]}
  - {market: US, property: charging.mains_voltage, value: 120, unit: V, sources: [iec-60038]}
"""
)
