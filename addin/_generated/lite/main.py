"""hashlease functions for xlwings Lite (Excel on Mac, the web and Windows) (generated from hashlease.addin.registry by hashlease.addin.generate: do not edit)."""

from typing import Literal

from xlwings import arg, func

from hashlease.addin.runtime import call_lite as _call


@func
@arg('block_height', ndim=2, doc='Current block height [blocks, whole number >= 0]')
def HL_SUBSIDY(block_height):
    "Block subsidy at a block height, in BTC, as Bitcoin's consensus rule computes it. [BTC]"
    return _call('HL_SUBSIDY', block_height)


@func
@arg('block_height', ndim=2, doc='Current block height [blocks, whole number >= 0]')
def HL_NEXT_HALVING_HEIGHT(block_height):
    'First block height after this one at which the subsidy halves. [blocks]'
    return _call('HL_NEXT_HALVING_HEIGHT', block_height)


@func
@arg('block_height', ndim=2, doc='Current block height [blocks, whole number >= 0]')
@arg('as_of_date', doc='Date the block height was mined [date]')
@arg('mean_block_interval_s', ndim=2, doc='Mean seconds between blocks [s, > 0] Optional, default 600.')
def HL_HALVING_DATE(block_height, as_of_date, mean_block_interval_s=600.0):
    'Estimated date of the next halving, from a block height mined on a date and a mean block interval (600 s unless given). Returns an Excel date. [date]'
    return _call('HL_HALVING_DATE', block_height, as_of_date, mean_block_interval_s)


@func
@arg('difficulty', ndim=2, doc='Network difficulty, e.g. 108.52E12 [unitless, > 0]')
@arg('unit', doc='Unit of the result: H, TH, PH, EH or ZH (per second) [one of H, TH, PH, EH, ZH] Optional, default "EH".')
def HL_NETWORK_HASHRATE(difficulty, unit: Literal['H', 'TH', 'PH', 'EH', 'ZH'] = 'EH'):
    'Network hashrate implied by a difficulty (difficulty x 2^32 / 600 s), in the unit asked. [unit/s]'
    return _call('HL_NETWORK_HASHRATE', difficulty, unit)


@func
@arg('difficulty', ndim=2, doc='Network difficulty, e.g. 108.52E12 [unitless, > 0]')
@arg('btc_price_usd', ndim=2, doc='Bitcoin price [USD/BTC, > 0]')
@arg('fees_btc_per_block', ndim=2, doc='Average transaction fees per block [BTC/block, >= 0]')
@arg('block_height', ndim=2, doc='Current block height [blocks, whole number >= 0]')
@arg('unit', doc='Hashrate unit of the result: TH, PH or EH [one of TH, PH, EH] Optional, default "PH".')
def HL_HASHPRICE(difficulty, btc_price_usd, fees_btc_per_block, block_height, unit: Literal['TH', 'PH', 'EH'] = 'PH'):
    'USD hashprice: expected USD earned per unit of hashrate per day at this difficulty, BTC price, fees and block height. [USD/unit/day]'
    return _call('HL_HASHPRICE', difficulty, btc_price_usd, fees_btc_per_block, block_height, unit)


@func
@arg('difficulty', ndim=2, doc='Network difficulty, e.g. 108.52E12 [unitless, > 0]')
@arg('fees_btc_per_block', ndim=2, doc='Average transaction fees per block [BTC/block, >= 0]')
@arg('block_height', ndim=2, doc='Current block height [blocks, whole number >= 0]')
@arg('unit', doc='Hashrate unit of the result: TH, PH or EH [one of TH, PH, EH] Optional, default "PH".')
def HL_HASHPRICE_BTC(difficulty, fees_btc_per_block, block_height, unit: Literal['TH', 'PH', 'EH'] = 'PH'):
    'BTC hashprice: expected BTC earned per unit of hashrate per day. [BTC/unit/day]'
    return _call('HL_HASHPRICE_BTC', difficulty, fees_btc_per_block, block_height, unit)


@func
@arg('difficulty', ndim=2, doc='Network difficulty, e.g. 108.52E12 [unitless, > 0]')
@arg('btc_price_usd', ndim=2, doc='Bitcoin price [USD/BTC, > 0]')
@arg('fees_btc_per_block', ndim=2, doc='Average transaction fees per block [BTC/block, >= 0]')
@arg('block_height', ndim=2, doc='Current block height [blocks, whole number >= 0]')
@arg('unit', doc='Hashrate unit of the result: TH, PH or EH [one of TH, PH, EH] Optional, default "PH".')
def HL_HASHPRICE_POST_HALVING(difficulty, btc_price_usd, fees_btc_per_block, block_height, unit: Literal['TH', 'PH', 'EH'] = 'PH'):
    "USD hashprice after the next halving: next epoch's subsidy, same difficulty, price and fees. [USD/unit/day]"
    return _call('HL_HASHPRICE_POST_HALVING', difficulty, btc_price_usd, fees_btc_per_block, block_height, unit)


@func
@arg('efficiency_j_per_th', ndim=2, doc='Machine efficiency at the wall [J/TH, > 0]')
@arg('power_price_usd_per_kwh', ndim=2, doc='All-in power price [USD/kWh, >= 0]')
@arg('unit', doc='Hashrate unit of the result: TH, PH or EH [one of TH, PH, EH] Optional, default "PH".')
@arg('uptime_frac', ndim=2, doc='Share of the day the machines hash (0.97 for 97%) [fraction, (0, 1]] Optional, default 1.')
@arg('pue', ndim=2, doc='Facility power over machine power [ratio, >= 1] Optional, default 1.')
def HL_HASHCOST(efficiency_j_per_th, power_price_usd_per_kwh, unit: Literal['TH', 'PH', 'EH'] = 'PH', uptime_frac=1.0, pue=1.0):
    'Power cost of one unit of hashrate for a day: J/TH x 24 h x USD/kWh x PUE x uptime. [USD/unit/day]'
    return _call('HL_HASHCOST', efficiency_j_per_th, power_price_usd_per_kwh, unit, uptime_frac, pue)


@func
@arg('hashprice_usd_per_ph_day', ndim=2, doc='USD hashprice [USD/PH/day, >= 0]')
@arg('efficiency_j_per_th', ndim=2, doc='Machine efficiency at the wall [J/TH, > 0]')
@arg('uptime_frac', ndim=2, doc='Share of the day the machines hash (0.97 for 97%) [fraction, (0, 1]] Optional, default 1.')
@arg('pool_fee_frac', ndim=2, doc='Share of revenue the pool keeps (0.02 for 2%) [fraction, [0, 1)] Optional, default 0.')
@arg('pue', ndim=2, doc='Facility power over machine power [ratio, >= 1] Optional, default 1.')
@arg('other_cash_cost_usd_per_ph_day', ndim=2, doc='Other cash costs per PH/s installed [USD/PH/day, >= 0] Optional, default 0.')
def HL_BREAKEVEN_POWER_PRICE(hashprice_usd_per_ph_day, efficiency_j_per_th, uptime_frac=1.0, pool_fee_frac=0.0, pue=1.0, other_cash_cost_usd_per_ph_day=0.0):
    "Power price at which a machine's cash margin is zero, at a given hashprice. [USD/kWh]"
    return _call('HL_BREAKEVEN_POWER_PRICE', hashprice_usd_per_ph_day, efficiency_j_per_th, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)


@func
@arg('difficulty', ndim=2, doc='Network difficulty, e.g. 108.52E12 [unitless, > 0]')
@arg('btc_price_usd', ndim=2, doc='Bitcoin price [USD/BTC, > 0]')
@arg('fees_btc_per_block', ndim=2, doc='Average transaction fees per block [BTC/block, >= 0]')
@arg('block_height', ndim=2, doc='Current block height [blocks, whole number >= 0]')
@arg('efficiency_j_per_th', ndim=2, doc='Machine efficiency at the wall [J/TH, > 0]')
@arg('uptime_frac', ndim=2, doc='Share of the day the machines hash (0.97 for 97%) [fraction, (0, 1]] Optional, default 1.')
@arg('pool_fee_frac', ndim=2, doc='Share of revenue the pool keeps (0.02 for 2%) [fraction, [0, 1)] Optional, default 0.')
@arg('pue', ndim=2, doc='Facility power over machine power [ratio, >= 1] Optional, default 1.')
@arg('other_cash_cost_usd_per_ph_day', ndim=2, doc='Other cash costs per PH/s installed [USD/PH/day, >= 0] Optional, default 0.')
def HL_BREAKEVEN_POWER_PRICE_POST_HALVING(difficulty, btc_price_usd, fees_btc_per_block, block_height, efficiency_j_per_th, uptime_frac=1.0, pool_fee_frac=0.0, pue=1.0, other_cash_cost_usd_per_ph_day=0.0):
    "Breakeven power price after the next halving, from today's difficulty, price and fees. [USD/kWh]"
    return _call('HL_BREAKEVEN_POWER_PRICE_POST_HALVING', difficulty, btc_price_usd, fees_btc_per_block, block_height, efficiency_j_per_th, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)


@func
@arg('difficulty', ndim=2, doc='Network difficulty, e.g. 108.52E12 [unitless, > 0]')
@arg('fees_btc_per_block', ndim=2, doc='Average transaction fees per block [BTC/block, >= 0]')
@arg('block_height', ndim=2, doc='Current block height [blocks, whole number >= 0]')
@arg('efficiency_j_per_th', ndim=2, doc='Machine efficiency at the wall [J/TH, > 0]')
@arg('power_price_usd_per_kwh', ndim=2, doc='All-in power price [USD/kWh, >= 0]')
@arg('uptime_frac', ndim=2, doc='Share of the day the machines hash (0.97 for 97%) [fraction, (0, 1]] Optional, default 1.')
@arg('pool_fee_frac', ndim=2, doc='Share of revenue the pool keeps (0.02 for 2%) [fraction, [0, 1)] Optional, default 0.')
@arg('pue', ndim=2, doc='Facility power over machine power [ratio, >= 1] Optional, default 1.')
@arg('other_cash_cost_usd_per_ph_day', ndim=2, doc='Other cash costs per PH/s installed [USD/PH/day, >= 0] Optional, default 0.')
def HL_BREAKEVEN_BTC_PRICE(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac=1.0, pool_fee_frac=0.0, pue=1.0, other_cash_cost_usd_per_ph_day=0.0):
    "BTC price at which a machine's cash margin is zero (its cost to mine one BTC). [USD/BTC]"
    return _call('HL_BREAKEVEN_BTC_PRICE', difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)


@func
@arg('difficulty', ndim=2, doc='Network difficulty, e.g. 108.52E12 [unitless, > 0]')
@arg('fees_btc_per_block', ndim=2, doc='Average transaction fees per block [BTC/block, >= 0]')
@arg('block_height', ndim=2, doc='Current block height [blocks, whole number >= 0]')
@arg('efficiency_j_per_th', ndim=2, doc='Machine efficiency at the wall [J/TH, > 0]')
@arg('power_price_usd_per_kwh', ndim=2, doc='All-in power price [USD/kWh, >= 0]')
@arg('uptime_frac', ndim=2, doc='Share of the day the machines hash (0.97 for 97%) [fraction, (0, 1]] Optional, default 1.')
@arg('pool_fee_frac', ndim=2, doc='Share of revenue the pool keeps (0.02 for 2%) [fraction, [0, 1)] Optional, default 0.')
@arg('pue', ndim=2, doc='Facility power over machine power [ratio, >= 1] Optional, default 1.')
@arg('other_cash_cost_usd_per_ph_day', ndim=2, doc='Other cash costs per PH/s installed [USD/PH/day, >= 0] Optional, default 0.')
def HL_BREAKEVEN_BTC_PRICE_POST_HALVING(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac=1.0, pool_fee_frac=0.0, pue=1.0, other_cash_cost_usd_per_ph_day=0.0):
    'Breakeven BTC price after the next halving (same difficulty and fees). [USD/BTC]'
    return _call('HL_BREAKEVEN_BTC_PRICE_POST_HALVING', difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)


@func
@arg('hashprice_usd_per_ph_day', ndim=2, doc='USD hashprice [USD/PH/day, >= 0]')
@arg('power_price_usd_per_kwh', ndim=2, doc='All-in power price [USD/kWh, > 0]')
@arg('uptime_frac', ndim=2, doc='Share of the day the machines hash (0.97 for 97%) [fraction, (0, 1]] Optional, default 1.')
@arg('pool_fee_frac', ndim=2, doc='Share of revenue the pool keeps (0.02 for 2%) [fraction, [0, 1)] Optional, default 0.')
@arg('pue', ndim=2, doc='Facility power over machine power [ratio, >= 1] Optional, default 1.')
@arg('other_cash_cost_usd_per_ph_day', ndim=2, doc='Other cash costs per PH/s installed [USD/PH/day, >= 0] Optional, default 0.')
def HL_BREAKEVEN_EFFICIENCY(hashprice_usd_per_ph_day, power_price_usd_per_kwh, uptime_frac=1.0, pool_fee_frac=0.0, pue=1.0, other_cash_cost_usd_per_ph_day=0.0):
    'Least efficient machine (highest J/TH) that still breaks even at this hashprice and power price. [J/TH]'
    return _call('HL_BREAKEVEN_EFFICIENCY', hashprice_usd_per_ph_day, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)


@func
@arg('difficulty', ndim=2, doc='Network difficulty, e.g. 108.52E12 [unitless, > 0]')
@arg('btc_price_usd', ndim=2, doc='Bitcoin price [USD/BTC, > 0]')
@arg('fees_btc_per_block', ndim=2, doc='Average transaction fees per block [BTC/block, >= 0]')
@arg('block_height', ndim=2, doc='Current block height [blocks, whole number >= 0]')
@arg('power_price_usd_per_kwh', ndim=2, doc='All-in power price [USD/kWh, > 0]')
@arg('uptime_frac', ndim=2, doc='Share of the day the machines hash (0.97 for 97%) [fraction, (0, 1]] Optional, default 1.')
@arg('pool_fee_frac', ndim=2, doc='Share of revenue the pool keeps (0.02 for 2%) [fraction, [0, 1)] Optional, default 0.')
@arg('pue', ndim=2, doc='Facility power over machine power [ratio, >= 1] Optional, default 1.')
@arg('other_cash_cost_usd_per_ph_day', ndim=2, doc='Other cash costs per PH/s installed [USD/PH/day, >= 0] Optional, default 0.')
def HL_BREAKEVEN_EFFICIENCY_POST_HALVING(difficulty, btc_price_usd, fees_btc_per_block, block_height, power_price_usd_per_kwh, uptime_frac=1.0, pool_fee_frac=0.0, pue=1.0, other_cash_cost_usd_per_ph_day=0.0):
    "Breakeven efficiency after the next halving, from today's difficulty, price and fees. [J/TH]"
    return _call('HL_BREAKEVEN_EFFICIENCY_POST_HALVING', difficulty, btc_price_usd, fees_btc_per_block, block_height, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)


@func
@arg('difficulty', ndim=2, doc='Network difficulty, e.g. 108.52E12 [unitless, > 0]')
@arg('fees_btc_per_block', ndim=2, doc='Average transaction fees per block [BTC/block, >= 0]')
@arg('block_height', ndim=2, doc='Current block height [blocks, whole number >= 0]')
@arg('efficiency_j_per_th', ndim=2, doc='Machine efficiency at the wall [J/TH, > 0]')
@arg('power_price_usd_per_kwh', ndim=2, doc='All-in power price [USD/kWh, >= 0]')
@arg('uptime_frac', ndim=2, doc='Share of the day the machines hash (0.97 for 97%) [fraction, (0, 1]] Optional, default 1.')
@arg('pool_fee_frac', ndim=2, doc='Share of revenue the pool keeps (0.02 for 2%) [fraction, [0, 1)] Optional, default 0.')
@arg('pue', ndim=2, doc='Facility power over machine power [ratio, >= 1] Optional, default 1.')
@arg('other_cash_cost_usd_per_ph_day', ndim=2, doc='Other cash costs per PH/s installed [USD/PH/day, >= 0] Optional, default 0.')
def HL_COST_TO_MINE(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac=1.0, pool_fee_frac=0.0, pue=1.0, other_cash_cost_usd_per_ph_day=0.0):
    'Cash cost of mining one BTC: power only, or all-in with other cash costs per PH/day. [USD/BTC]'
    return _call('HL_COST_TO_MINE', difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)


@func
@arg('difficulty', ndim=2, doc='Network difficulty, e.g. 108.52E12 [unitless, > 0]')
@arg('fees_btc_per_block', ndim=2, doc='Average transaction fees per block [BTC/block, >= 0]')
@arg('block_height', ndim=2, doc='Current block height [blocks, whole number >= 0]')
@arg('efficiency_j_per_th', ndim=2, doc='Machine efficiency at the wall [J/TH, > 0]')
@arg('power_price_usd_per_kwh', ndim=2, doc='All-in power price [USD/kWh, >= 0]')
@arg('uptime_frac', ndim=2, doc='Share of the day the machines hash (0.97 for 97%) [fraction, (0, 1]] Optional, default 1.')
@arg('pool_fee_frac', ndim=2, doc='Share of revenue the pool keeps (0.02 for 2%) [fraction, [0, 1)] Optional, default 0.')
@arg('pue', ndim=2, doc='Facility power over machine power [ratio, >= 1] Optional, default 1.')
@arg('other_cash_cost_usd_per_ph_day', ndim=2, doc='Other cash costs per PH/s installed [USD/PH/day, >= 0] Optional, default 0.')
def HL_COST_TO_MINE_POST_HALVING(difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac=1.0, pool_fee_frac=0.0, pue=1.0, other_cash_cost_usd_per_ph_day=0.0):
    'Cash cost of mining one BTC after the next halving (same difficulty and fees). [USD/BTC]'
    return _call('HL_COST_TO_MINE_POST_HALVING', difficulty, fees_btc_per_block, block_height, efficiency_j_per_th, power_price_usd_per_kwh, uptime_frac, pool_fee_frac, pue, other_cash_cost_usd_per_ph_day)


@func
@arg('efficiency_j_per_th', ndim=2, doc='Machine efficiency at the wall [J/TH, > 0]')
@arg('pue', ndim=2, doc='Facility power over machine power [ratio, >= 1] Optional, default 1.')
def HL_TH_PER_MW(efficiency_j_per_th, pue=1.0):
    'Hashrate one MW of site power carries after facility overhead: 1,000,000 / (J/TH x PUE). [TH/s per MW]'
    return _call('HL_TH_PER_MW', efficiency_j_per_th, pue)


@func
@arg('hashprice_usd_per_ph_day', ndim=2, doc='USD hashprice [USD/PH/day, >= 0]')
@arg('efficiency_j_per_th', ndim=2, doc='Machine efficiency at the wall [J/TH, > 0]')
@arg('power_price_usd_per_kwh', ndim=2, doc='All-in power price [USD/kWh, >= 0]')
@arg('pue', ndim=2, doc='Facility power over machine power [ratio, >= 1] Optional, default 1.')
@arg('uptime_frac', ndim=2, doc='Share of the day the machines hash (0.97 for 97%) [fraction, (0, 1]] Optional, default 1.')
@arg('pool_fee_frac', ndim=2, doc='Share of revenue the pool keeps (0.02 for 2%) [fraction, [0, 1)] Optional, default 0.')
@arg('other_cash_cost_usd_per_mw_day', ndim=2, doc='Other cash opex per MW of site power [USD/MW/day, >= 0] Optional, default 0.')
def HL_MINING_MARGIN_PER_MW_DAY(hashprice_usd_per_ph_day, efficiency_j_per_th, power_price_usd_per_kwh, pue=1.0, uptime_frac=1.0, pool_fee_frac=0.0, other_cash_cost_usd_per_mw_day=0.0):
    'Cash margin of one MW of site power filled with miners: revenue less power less other costs. [USD/MW/day]'
    return _call('HL_MINING_MARGIN_PER_MW_DAY', hashprice_usd_per_ph_day, efficiency_j_per_th, power_price_usd_per_kwh, pue, uptime_frac, pool_fee_frac, other_cash_cost_usd_per_mw_day)


@func
@arg('market_assumptions', ndim=2, doc='Two-column range: market projection name | value (see MarketProjection)')
@arg('rows', ndim=2, doc="Rows of the array range this formula fills (a legacy array formula); the table is padded with blanks to it. 0 for exactly the table [rows, whole number in [0, 1,048,576] (Excel's rows)] Optional, default 0.")
def HL_HASHPRICE_PATH(market_assumptions, rows=0):
    'Monthly hashprice projection (difficulty, block rate, halvings, fees, BTC price) as a dated table that spills.'
    return _call('HL_HASHPRICE_PATH', market_assumptions, rows)


@func
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
@arg('rows', ndim=2, doc="Rows of the array range this formula fills (a legacy array formula); the table is padded with blanks to it. 0 for exactly the table [rows, whole number in [0, 1,048,576] (Excel's rows)] Optional, default 0.")
def HL_LEASE_SCHEDULE(lease_assumptions, rows=0):
    'Monthly schedule of an AI/HPC lease (rent, NOI, capex, debt, cash flows) as a dated table that spills.'
    return _call('HL_LEASE_SCHEDULE', lease_assumptions, rows)


@func
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
@arg('levered', doc='TRUE for the levered (equity) figure, FALSE for unlevered Optional, default FALSE.')
def HL_LEASE_NPV(lease_assumptions, levered=False):
    'NPV of the lease (Excel XNPV from the valuation date), unlevered or levered. [USD]'
    return _call('HL_LEASE_NPV', lease_assumptions, levered)


@func
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
@arg('levered', doc='TRUE for the levered (equity) figure, FALSE for unlevered Optional, default FALSE.')
def HL_LEASE_IRR(lease_assumptions, levered=False):
    'IRR of the lease (Excel XIRR of its monthly flows), unlevered or levered. [fraction/year]'
    return _call('HL_LEASE_IRR', lease_assumptions, levered)


@func
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
def HL_LEASE_PAYBACK(lease_assumptions):
    'Months from construction start until cumulative unlevered cash turns non-negative. [months]'
    return _call('HL_LEASE_PAYBACK', lease_assumptions)


@func
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
def HL_LEASE_SUMMARY(lease_assumptions):
    'Every summary figure of the lease (NPV, IRR, payback, yield on cost, DSCR, implied rents) as name | value pairs.'
    return _call('HL_LEASE_SUMMARY', lease_assumptions)


@func
@arg('market_assumptions', ndim=2, doc='Two-column range: market projection name | value (see MarketProjection)')
@arg('mining_assumptions', ndim=2, doc="Two-column range: mining site name | value; fleet rows as 'fleet:<model>' | units, resale tiers as 'resale_tier:<max J/TH>' | USD per TH/s")
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
@arg('discount_rate_per_year_frac', ndim=2, doc='Discount rate for both options [fraction/year, (-1, 1]] Optional, default 0.1.')
@arg('horizon_months', ndim=2, doc="Months compared; 0 for the lease's full length [months, 0, or a whole number in [1, 1200]] Optional, default 0.")
def HL_SITE_COMPARE(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac=0.1, horizon_months=0):
    'Keep mining or convert to the lease: NPV, IRR, payback and total cash of both options and their difference, as a table that spills.'
    return _call('HL_SITE_COMPARE', market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, horizon_months)


@func
@arg('market_assumptions', ndim=2, doc='Two-column range: market projection name | value (see MarketProjection)')
@arg('mining_assumptions', ndim=2, doc="Two-column range: mining site name | value; fleet rows as 'fleet:<model>' | units, resale tiers as 'resale_tier:<max J/TH>' | USD per TH/s")
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
@arg('discount_rate_per_year_frac', ndim=2, doc='Discount rate for both options [fraction/year, (-1, 1]] Optional, default 0.1.')
@arg('horizon_months', ndim=2, doc="Months compared; 0 for the lease's full length [months, 0, or a whole number in [1, 1200]] Optional, default 0.")
@arg('rows', ndim=2, doc="Rows of the array range this formula fills (a legacy array formula); the table is padded with blanks to it. 0 for exactly the table [rows, whole number in [0, 1,048,576] (Excel's rows)] Optional, default 0.")
def HL_SITE_CASH(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac=0.1, horizon_months=0, rows=0):
    'Monthly cash of both options (BTC price, hashprice, net cash and cumulative cash of mining and of the lease, and the difference) as a dated table that spills.'
    return _call('HL_SITE_CASH', market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, horizon_months, rows)


@func
@arg('market_assumptions', ndim=2, doc='Two-column range: market projection name | value (see MarketProjection)')
@arg('mining_assumptions', ndim=2, doc="Two-column range: mining site name | value; fleet rows as 'fleet:<model>' | units, resale tiers as 'resale_tier:<max J/TH>' | USD per TH/s")
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
@arg('row_input', doc='Input varied down the rows (its input name, as the workbook names the cell) [one of market.btc_price_usd, market.btc_price_growth_per_year_frac, market.difficulty_growth_per_month_frac, market.fees_btc_per_block, mining.power_price_usd_per_kwh, mining.pue')
@arg('row_values', ndim=2, doc="Values of the row input [input's unit, within its range; at most 1,048,575 values]")
@arg('column_input', doc='Input varied across the columns (its input name, as the workbook names the cell) [one of market.btc_price_usd, market.btc_price_growth_per_year_frac, market.difficulty_growth_per_month_frac, market.fees_btc_per_block, mining.power_price_usd_per_kwh, minin')
@arg('column_values', ndim=2, doc="Values of the column input [input's unit, within its range; at most 16,383 values]")
@arg('discount_rate_per_year_frac', ndim=2, doc='Discount rate for both options [fraction/year, (-1, 1]] Optional, default 0.1.')
@arg('horizon_months', ndim=2, doc="Months compared; 0 for the lease's full length [months, 0, or a whole number in [1, 1200]] Optional, default 0.")
def HL_SENSITIVITY(market_assumptions, mining_assumptions, lease_assumptions, row_input: Literal['market.btc_price_usd', 'market.btc_price_growth_per_year_frac', 'market.difficulty_growth_per_month_frac', 'market.fees_btc_per_block', 'mining.power_price_usd_per_kwh', 'mining.pue', 'mining.uptime_frac', 'mining.opex_usd_per_mw_month', 'lease.rent_usd_per_kw_month', 'lease.capex_usd_per_mw', 'lease.escalator_per_year_frac', 'lease.delay_months', 'lease.term_years', 'lease.exit_cap_rate_frac', 'discount_rate_per_year_frac'], row_values, column_input: Literal['market.btc_price_usd', 'market.btc_price_growth_per_year_frac', 'market.difficulty_growth_per_month_frac', 'market.fees_btc_per_block', 'mining.power_price_usd_per_kwh', 'mining.pue', 'mining.uptime_frac', 'mining.opex_usd_per_mw_month', 'lease.rent_usd_per_kw_month', 'lease.capex_usd_per_mw', 'lease.escalator_per_year_frac', 'lease.delay_months', 'lease.term_years', 'lease.exit_cap_rate_frac', 'discount_rate_per_year_frac'], column_values, discount_rate_per_year_frac=0.1, horizon_months=0):
    'Lease NPV less mining NPV over a grid of two inputs (row input x column input), as a table with the row values down the left and the column values across the top. [USD]'
    return _call('HL_SENSITIVITY', market_assumptions, mining_assumptions, lease_assumptions, row_input, row_values, column_input, column_values, discount_rate_per_year_frac, horizon_months)


@func
@arg('market_assumptions', ndim=2, doc='Two-column range: market projection name | value (see MarketProjection)')
@arg('mining_assumptions', ndim=2, doc="Two-column range: mining site name | value; fleet rows as 'fleet:<model>' | units, resale tiers as 'resale_tier:<max J/TH>' | USD per TH/s")
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
@arg('phases', ndim=2, doc='Range of phases, one row each: site MW | critical IT MW | cut-over month (no header) [MW, MW, months, 3 columns: (0, 10000], (0, 5000], [0, 1200]]')
@arg('discount_rate_per_year_frac', ndim=2, doc='Discount rate for both options [fraction/year, (-1, 1]] Optional, default 0.1.')
@arg('displaced_fleet', doc='What happens to machines displaced at a cut-over: redeploy (into spare power, then sell) or sell [one of redeploy, sell] Optional, default "redeploy".')
def HL_PHASED_NPV(market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac=0.1, displaced_fleet: Literal['redeploy', 'sell'] = 'redeploy'):
    'NPV of converting the site phase by phase while the rest keeps mining (Excel XNPV from the start). [USD]'
    return _call('HL_PHASED_NPV', market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac, displaced_fleet)


@func
@arg('market_assumptions', ndim=2, doc='Two-column range: market projection name | value (see MarketProjection)')
@arg('mining_assumptions', ndim=2, doc="Two-column range: mining site name | value; fleet rows as 'fleet:<model>' | units, resale tiers as 'resale_tier:<max J/TH>' | USD per TH/s")
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
@arg('phases', ndim=2, doc='Range of phases, one row each: site MW | critical IT MW | cut-over month (no header) [MW, MW, months, 3 columns: (0, 10000], (0, 5000], [0, 1200]]')
@arg('discount_rate_per_year_frac', ndim=2, doc='Discount rate for both options [fraction/year, (-1, 1]] Optional, default 0.1.')
@arg('displaced_fleet', doc='What happens to machines displaced at a cut-over: redeploy (into spare power, then sell) or sell [one of redeploy, sell] Optional, default "redeploy".')
def HL_PHASED_COMPARE(market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac=0.1, displaced_fleet: Literal['redeploy', 'sell'] = 'redeploy'):
    'Keep mining, full conversion at month 0 and the phased plan on one basis: NPV, IRR and payback, as a table that spills.'
    return _call('HL_PHASED_COMPARE', market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac, displaced_fleet)


@func
@arg('market_assumptions', ndim=2, doc='Two-column range: market projection name | value (see MarketProjection)')
@arg('mining_assumptions', ndim=2, doc="Two-column range: mining site name | value; fleet rows as 'fleet:<model>' | units, resale tiers as 'resale_tier:<max J/TH>' | USD per TH/s")
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
@arg('phases', ndim=2, doc='Range of phases, one row each: site MW | critical IT MW | cut-over month (no header) [MW, MW, months, 3 columns: (0, 10000], (0, 5000], [0, 1200]]')
@arg('discount_rate_per_year_frac', ndim=2, doc='Discount rate for both options [fraction/year, (-1, 1]] Optional, default 0.1.')
@arg('displaced_fleet', doc='What happens to machines displaced at a cut-over: redeploy (into spare power, then sell) or sell [one of redeploy, sell] Optional, default "redeploy".')
@arg('rows', ndim=2, doc="Rows of the array range this formula fills (a legacy array formula); the table is padded with blanks to it. 0 for exactly the table [rows, whole number in [0, 1,048,576] (Excel's rows)] Optional, default 0.")
def HL_PHASED_SCHEDULE(market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac=0.1, displaced_fleet: Literal['redeploy', 'sell'] = 'redeploy', rows=0):
    'Monthly schedule of the phased plan (MW mined and leased, fleet share, mining, fleet sales, lease and net cash) as a dated table that spills.'
    return _call('HL_PHASED_SCHEDULE', market_assumptions, mining_assumptions, lease_assumptions, phases, discount_rate_per_year_frac, displaced_fleet, rows)


@func
@arg('timestamps', ndim=2, doc='Start of each interval (Excel date-times, one spacing, no gaps or duplicates) [date-time, a column of increasing date-times]')
@arg('prices_usd_per_mwh', ndim=2, doc='Power price of each interval (negative prices allowed) [USD/MWh, finite numbers, one per timestamp]')
@arg('threshold_usd_per_mwh', ndim=2, doc='Mine while the price is at or below this: one value, or one per interval [USD/MWh, finite]')
@arg('credit_usd_per_mwh_curtailed', ndim=2, doc='Demand-response credit per MWh not drawn [USD/MWh, >= 0] Optional, default 0.')
@arg('rows', ndim=2, doc="Rows of the array range this formula fills (a legacy array formula); the table is padded with blanks to it. 0 for exactly the table [rows, whole number in [0, 1,048,576] (Excel's rows)] Optional, default 0.")
def HL_CURTAILMENT(timestamps, prices_usd_per_mwh, threshold_usd_per_mwh, credit_usd_per_mwh_curtailed=0.0, rows=0):
    'Mine an hourly power price curve only while the price is at or below a threshold (a cap, or the break-even): per month, hours, hours mined, uptime, mean price mined, energy cost and demand-response credit per MW of load, as a dated table that spills.'
    return _call('HL_CURTAILMENT', timestamps, prices_usd_per_mwh, threshold_usd_per_mwh, credit_usd_per_mwh_curtailed, rows)


@func
@arg('market_assumptions', ndim=2, doc='Two-column range: market projection name | value (see MarketProjection)')
@arg('mining_assumptions', ndim=2, doc="Two-column range: mining site name | value; fleet rows as 'fleet:<model>' | units, resale tiers as 'resale_tier:<max J/TH>' | USD per TH/s")
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
@arg('discount_rate_per_year_frac', ndim=2, doc='Discount rate for both options [fraction/year, (-1, 1]] Optional, default 0.1.')
@arg('horizon_months', ndim=2, doc="Months compared; 0 for the lease's full length [months, 0, or a whole number in [1, 1200]] Optional, default 0.")
def HL_BREAKEVEN_BTC_PRICE_VS_LEASE(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac=0.1, horizon_months=0):
    "Starting BTC price (whole price path scaled) at which mining's NPV equals the lease's. [USD/BTC]"
    return _call('HL_BREAKEVEN_BTC_PRICE_VS_LEASE', market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, horizon_months)


@func
@arg('market_assumptions', ndim=2, doc='Two-column range: market projection name | value (see MarketProjection)')
@arg('mining_assumptions', ndim=2, doc="Two-column range: mining site name | value; fleet rows as 'fleet:<model>' | units, resale tiers as 'resale_tier:<max J/TH>' | USD per TH/s")
@arg('lease_assumptions', ndim=2, doc='Two-column range: lease assumption name | value (see LeaseInputs)')
@arg('discount_rate_per_year_frac', ndim=2, doc='Discount rate for both options [fraction/year, (-1, 1]] Optional, default 0.1.')
@arg('horizon_months', ndim=2, doc="Months compared; 0 for the lease's full length [months, 0, or a whole number in [1, 1200]] Optional, default 0.")
def HL_BREAKEVEN_RENT_VS_MINING(market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac=0.1, horizon_months=0):
    "Year-1 rent per kW-month at which the lease's NPV equals mining's. [USD/kW-month]"
    return _call('HL_BREAKEVEN_RENT_VS_MINING', market_assumptions, mining_assumptions, lease_assumptions, discount_rate_per_year_frac, horizon_months)
